import { type ChatModel, chatModel, isLlmError } from '../index.js';
import type { RunOptions } from './parse-run-args.js';
import { UsageError } from './usage-error.js';

/**
 * Makes the model of `rxllm run` with the library's `chatModel("provider/model")`: `--base-url`, `--timeout`, and a
 * connection pool sized for `--max-active`; keys come from the provider's usual environment variable
 * (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, …). A model the library refuses (unknown provider, missing key, bad URL)
 * is a `UsageError` naming `--model`, before anything is read or sent.
 *
 * @param options - The parsed flags of `rxllm run`.
 * @returns The model.
 *
 * @example
 * ```ts
 * const model = createCliModel(parseRunArgs(['p.jsonl', '-o', 'r.jsonl', '--model', 'openai/gpt-4o-mini']) as RunOptions);
 * ```
 */
export function createCliModel(options: RunOptions): ChatModel {
  try {
    return chatModel(options.model, {
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      maxSockets: Math.max(256, options.maxActive),
    });
  } catch (error) {
    if (isLlmError(error) && error.code === 'invalid_options') {
      const hint = /api ?key/i.test(error.message) ? ' (or point --base-url at a local server, e.g. rxllm mock-server)' : '';
      throw new UsageError(`--model ${options.model}: ${error.message}${hint}`, 'run');
    }
    throw error;
  }
}
