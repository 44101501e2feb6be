import type { LlmError } from '../errors/llm-error.js';
import { collectInOrder, type ParallelChatOptions, type PromptSource } from './parallel-chat.js';
import type { ChatModel } from '../model/chat-provider.js';

/**
 * `parallelChat`, keeping only each answer's text: `results[i]` is the text of `prompts[i]`, its `LlmError` after
 * retries, or `null` when it was never submitted. Same options, defaults (`onError: 'return'`), cancellation and
 * rejections (with `partialResultsOf(error)` giving the texts gathered so far).
 *
 * @param model - The model, e.g. from `openai()`.
 * @param prompts - An array, iterable, async iterable or Observable of prompts.
 * @param options - See `ParallelChatOptions`.
 * @returns A Promise of one entry per prompt, in input order.
 *
 * @example
 * ```ts
 * import { openai, parallelChatText } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * const texts = await parallelChatText(model, ['Name a prime.', 'Name a planet.'], { onError: 'continue' });
 * console.log(texts);
 * ```
 */
export function parallelChatText(model: ChatModel, prompts: PromptSource, options: ParallelChatOptions = {}): Promise<(string | LlmError | null)[]> {
  return collectInOrder(model, prompts, options, 'parallelChatText()', (response) => response.text);
}
