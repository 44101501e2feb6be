import { type HeaderRecord, lowerCaseHeaders } from '../transport/header-value.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import type { RateLimitInfo } from '../types.js';
import { readAnthropicRateLimit } from './anthropic/read-anthropic-rate-limit.js';
import { readOpenAIRateLimit } from './openai-compatible/read-openai-rate-limit.js';

/**
 * Reads the rate-limit state a response announces, for client-side limiters, whichever provider sent it.
 *
 * Understands OpenAI-style `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets as durations such as
 * `1s`, `6m0s`, `20ms`, `1h2m3.5s`, or plain seconds), Anthropic-style
 * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}` (resets as RFC 3339
 * timestamps, turned into milliseconds from `nowMs`, never negative), and `retry-after-ms` / `retry-after`
 * (see `parseRetryAfter`). Values that do not parse are left out; Anthropic values win where both are present.
 * (The providers themselves read only their own names, once per response.)
 *
 * @param headers - Response headers (names matched case-insensitively).
 * @param nowMs - The current time (epoch milliseconds), used for timestamps and HTTP dates.
 * @returns The fields found, or `undefined` when the response carries no rate-limit header at all.
 *
 * @example
 * ```ts
 * import { parseRateLimitHeaders } from 'rxllm';
 * console.log(parseRateLimitHeaders({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' }, Date.now()));
 * // { remainingTokens: 0, resetTokensMs: 360000 }
 * ```
 */
export function parseRateLimitHeaders(headers: HeaderRecord, nowMs: number): RateLimitInfo | undefined {
  const lowered = lowerCaseHeaders(headers);
  const openai = readOpenAIRateLimit(lowered, nowMs);
  const anthropic = readAnthropicRateLimit(lowered, nowMs);
  const retryAfterMs = parseRetryAfter(lowered, nowMs);
  if (openai === undefined && anthropic === undefined && retryAfterMs === undefined) return undefined;
  return { ...openai, ...anthropic, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}
