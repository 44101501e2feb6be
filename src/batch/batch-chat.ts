import { attachPartialResults } from '../promise/partial-results.js';
import type { ChatModel } from '../model/chat-provider.js';
import type { Prompt } from '../types.js';
import { validateOptions } from '../internal/validate-options.js';
import { type BatchChatOptions, batchChatOptionsSchema } from './batch-chat-options.js';
import { type BatchOutcome, runBatchJob } from './run-batch-job.js';

/**
 * Runs prompts through the provider's Batch API (OpenAI Batch, Anthropic Message Batches: half price, done within
 * 24 h) and resolves with one outcome per prompt in input order, as `parallelChat` does: a `ChatResponse` (with
 * `usage` and `cost` at the batch price), an `LlmError` (the item's error; `code: 'batch_expired'` for an item the
 * batch's expiry left unrun), or `null` (never run: its batch was cancelled).
 *
 * Each prompt becomes exactly the request `chat` would send; jobs past the provider's per-batch limits (OpenAI
 * 50,000 requests / 200 MB, Anthropic 100,000 / 256 MB, or lower `batchLimits`) are split into several batches.
 * With `statePath`, every batch id is saved as soon as it exists, so re-running the same call after a crash or a
 * restart follows the same batches instead of paying twice; a state file of another job is refused, naming what
 * changed (model, prompt list, params). A batch the provider refuses for its enqueued-token limit is created again
 * once another batch of the job has ended or after a growing wait; it never fails the job. With `resubmit`, items
 * that failed or expired go out again, for at most `resubmitRounds` rounds. An abort of `signal` cancels the
 * provider batches and keeps what they return (`partialResultsOf(error)` after a rejection).
 *
 * Throws (rejects with) `InvalidOptionsError` before anything is sent for bad options, a prompt too large for a
 * batch, a model whose provider has no batch API (an OpenAI-compatible local server, a custom model), or a state
 * file of another job.
 *
 * @param model - A model whose provider has a batch API (`openai()` on api.openai.com, `anthropic()`).
 * @param prompts - The prompts.
 * @param options - State file, polling, resubmission, signal and progress.
 * @returns One outcome per prompt, in input order.
 *
 * @example
 * ```ts
 * import { batchChat, openai } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini', baseURL: process.env.BASE_URL, batchApi: true });
 * const results = await batchChat(model, ['Name a prime.', 'Name a colour.'], { statePath: 'job.batch-state.json', pollInterval: 200 });
 * for (const result of results) console.log(result instanceof Error ? result.message : result?.text);
 * ```
 */
export async function batchChat(model: ChatModel, prompts: Iterable<Prompt>, options: BatchChatOptions = {}): Promise<BatchOutcome[]> {
  const valid = validateOptions(batchChatOptionsSchema, options, 'batchChat options') as BatchChatOptions;
  const results: BatchOutcome[] = [];
  try {
    await runBatchJob(model, Array.from(prompts), valid, results);
  } catch (error) {
    if (valid.signal?.aborted === true && error === valid.signal.reason && valid.onAbort === 'resolve') return results;
    attachPartialResults(error, results);
    throw error;
  }
  return results;
}
