import type { LlmError } from '../errors/llm-error.js';
import type { ChatModel } from '../model/chat-provider.js';
import type { Prompt } from '../types.js';
import type { BatchChatOptions } from './batch-chat-options.js';
import { batchChat } from './batch-chat.js';

/**
 * `batchChat`, giving each answer's text: `string | LlmError | null` per prompt, in input order.
 *
 * @param model - A model whose provider has a batch API.
 * @param prompts - The prompts.
 * @param options - As for `batchChat`.
 * @returns One text, error or `null` per prompt.
 *
 * @example
 * ```ts
 * import { batchChatText, openai } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini', baseURL: process.env.BASE_URL, batchApi: true });
 * console.log(await batchChatText(model, ['Say hi.', 'Say hello.'], { pollInterval: 200 }));
 * ```
 */
export async function batchChatText(model: ChatModel, prompts: Iterable<Prompt>, options?: BatchChatOptions): Promise<(string | LlmError | null)[]> {
  const results = await batchChat(model, prompts, options);
  return results.map((result) => (result === null || result instanceof Error ? result : result.text));
}
