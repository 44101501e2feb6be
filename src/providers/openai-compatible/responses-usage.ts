import type { Usage } from '../../types.js';
import type { ResponsesUsage } from './responses-schemas.js';

/**
 * Responses API usage as rxllm `Usage`. `input_tokens` already counts the cached tokens and `output_tokens` the
 * reasoning tokens, so the details are parts of the totals, never added to them. A detail left out stays out; a
 * missing total is `0`.
 *
 * @param usage - The wire `usage` object, if any.
 * @returns The usage.
 *
 * @example
 * ```ts
 * toResponsesUsage({ input_tokens: 10, output_tokens: 6, output_tokens_details: { reasoning_tokens: 2 } });
 * // { inputTokens: 10, outputTokens: 6, reasoningTokens: 2 }
 * ```
 */
export function toResponsesUsage(usage: ResponsesUsage | null | undefined): Usage {
  const result: Usage = { inputTokens: usage?.input_tokens ?? 0, outputTokens: usage?.output_tokens ?? 0 };
  const cached = usage?.input_tokens_details?.cached_tokens;
  const reasoning = usage?.output_tokens_details?.reasoning_tokens;
  if (cached != null) result.cachedInputTokens = cached;
  if (reasoning != null) result.reasoningTokens = reasoning;
  return result;
}
