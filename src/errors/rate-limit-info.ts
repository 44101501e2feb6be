// Lives beside the errors (re-exported by types.ts) because a 429's own headers travel on its error.

/**
 * Rate-limit state read from response headers (`x-ratelimit-*`, `anthropic-ratelimit-*`, `retry-after`).
 * Reset fields are durations in milliseconds from when the response was received.
 *
 * @example
 * ```ts
 * import { openai, rateLimiter, type RateLimitInfo } from 'rxllm';
 * const limiter = rateLimiter({ rpm: 500 });
 * openai({ model: 'gpt-4o-mini' }).chat('Say hi.').subscribe((response) => {
 *   const info: RateLimitInfo | undefined = response.rateLimit;
 *   console.log(info?.remainingRequests, info?.resetRequestsMs);
 *   limiter.observe(info); // pauses the limiter's users when a budget is at 0
 * });
 * ```
 */
export interface RateLimitInfo {
  limitRequests?: number;
  remainingRequests?: number;
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
  limitInputTokens?: number;
  remainingInputTokens?: number;
  resetInputTokensMs?: number;
  limitOutputTokens?: number;
  remainingOutputTokens?: number;
  resetOutputTokensMs?: number;
  /**
   * The span (ms) `limitRequests` / `remainingRequests` count over, where the adapter knows it is not the usual minute:
   * a request count per day is 86 400 000 (the adapter labels it). Absent means per minute.
   */
  windowRequestsMs?: number;
  /** The span (ms) the token figures count over, where the adapter knows it is not the usual minute. */
  windowTokensMs?: number;
  /** From `retry-after-ms` or `retry-after`. */
  retryAfterMs?: number;
}
