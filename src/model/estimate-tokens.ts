import type { ChatMessage } from '../types.js';

/** Characters per token assumed by the estimate; English text averages about four. */
const CHARS_PER_TOKEN = 4;
/** Tokens a chat format spends on each message's framing. */
const TOKENS_PER_MESSAGE = 4;

/**
 * Estimates the input tokens of a conversation without a tokenizer (rxllm downloads nothing): about four
 * characters per token plus a few per message. Rate limiters reserve this before sending and correct it from the
 * usage the server reports.
 *
 * @example
 * ```ts
 * import { estimateInputTokens } from 'rxllm';
 * console.log(estimateInputTokens([{ role: 'user', content: 'What is the capital of Peru?' }])); // 14
 * ```
 */
export function estimateInputTokens(messages: readonly ChatMessage[]): number {
  let total = 3;
  for (const message of messages) total += TOKENS_PER_MESSAGE + Math.ceil(message.content.length / CHARS_PER_TOKEN);
  return total;
}
