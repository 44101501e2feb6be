import type { Usage } from '../../types.js';
import type { OpenAIUsage } from './openai-schemas.js';

/**
 * OpenAI usage as rxllm `Usage`. `prompt_tokens` already counts the cached tokens and `completion_tokens` the
 * reasoning tokens, so the details are parts of the totals, never added to them. A detail the server leaves out
 * stays out (unknown is not zero); a missing total is `0`.
 *
 * @param usage - The wire `usage` object, if any.
 * @returns The usage.
 *
 * @example
 * ```ts
 * toOpenAIUsage({ prompt_tokens: 125, completion_tokens: 48, prompt_tokens_details: { cached_tokens: 98 } });
 * // { inputTokens: 125, outputTokens: 48, cachedInputTokens: 98 }
 * ```
 */
export function toOpenAIUsage(usage: OpenAIUsage | null | undefined): Usage {
  const result: Usage = { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
  const cached = usage?.prompt_tokens_details?.cached_tokens;
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens;
  if (cached != null) result.cachedInputTokens = cached;
  if (reasoning != null) result.reasoningTokens = reasoning;
  return result;
}
