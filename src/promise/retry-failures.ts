import { InvalidOptionsError, isLlmError } from '../errors/llm-error.js';
import type { ChatModel } from '../model/chat-provider.js';
import type { Prompt } from '../types.js';
import { parallelChat, type ParallelChatOptions, type ParallelChatResult } from './parallel-chat.js';

/**
 * Sends again only the prompts that failed or were never sent, and merges their new results back in input order.
 *
 * Given the results of an earlier `parallelChat` over the same `items` (one entry per item), the items whose result
 * is an `LlmError` or `null` are run through `parallelChat` with `options`; answers already there are kept as they
 * are. Given the path of a results file instead (a `checkpoint`, or the `rxllm run` CLI's output), it is the
 * checkpointed run: items with an ok line are not sent (their answers are read back from the file), failed lines are
 * replaced, and each new result is appended. Options and rejections are `parallelChat`'s (default `onError:
 * 'return'`: after a new failure, the rest stays `null` for the next call).
 *
 * @param model - The model, e.g. from `openai()`.
 * @param items - The prompts of the earlier run, in the same order.
 * @param results - That run's results, or its results file.
 * @param options - As for `parallelChat`.
 * @returns One result per item, in input order.
 * @throws InvalidOptionsError when `results` does not have one entry per item.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, retryFailures } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * const items = [{ id: 'q1', prompt: 'Capital of Peru?' }, { id: 'q2', prompt: 'Capital of Chad?' }];
 * let results = await parallelChat(model, items, { onError: 'continue' });
 * results = await retryFailures(model, items, results, { onError: 'continue' });
 * console.log(results.map((result) => (result === null ? 'not sent' : result instanceof Error ? result.message : result.text)));
 * ```
 */
export async function retryFailures(
  model: ChatModel,
  items: readonly Prompt[],
  results: readonly ParallelChatResult[] | string,
  options: ParallelChatOptions = {},
): Promise<ParallelChatResult[]> {
  if (typeof results === 'string') return parallelChat(model, [...items], { ...options, checkpoint: results });
  if (!Array.isArray(results) || results.length !== items.length) {
    throw new InvalidOptionsError(`retryFailures() results: expected one entry per item (${items.length}), got ${Array.isArray(results) ? results.length : typeof results}`);
  }
  const again: number[] = [];
  results.forEach((result, index) => {
    if (result === null || isLlmError(result)) again.push(index);
  });
  const merged = [...results];
  if (again.length === 0) return merged;
  const retried = await parallelChat(model, again.map((index) => items[index]!), options);
  retried.forEach((result, position) => (merged[again[position]!] = result));
  return merged;
}
