import type { RateLimitInfo } from '../../types.js';

/**
 * The rate-limit info of a response with every wait longer than `maxWaitMs` taken out, so that the limiter's pause
 * rule never sees it: a `retryAfterMs` above the cap, and each exhausted budget (`remaining… = 0`) whose reset is
 * above it (its `remaining…` and `reset…` both go). A 200 saying `retry-after: 86400` or "0 left, reset in a year"
 * then pauses nothing, as a 429 asking that long is not waited for (`maxRetryAfterMs`). `refusedMs` is the longest
 * wait taken out (0 when none), for the caller to report.
 *
 * @param info - What the response's headers said.
 * @param maxWaitMs - The longest wait honoured (`RetryOptions.maxRetryAfterMs`).
 * @returns The info to hand the limiter, and the longest wait refused.
 *
 * @example
 * ```ts
 * capHeaderWaits({ remainingRequests: 0, resetRequestsMs: 86_400_000 }, 60_000); // { info: {}, refusedMs: 86400000 }
 * ```
 */
export function capHeaderWaits(info: RateLimitInfo | undefined, maxWaitMs: number): { info: RateLimitInfo | undefined; refusedMs: number } {
  // Every response passes here: the info is copied only when a wait is taken out of it (issue 25).
  if (info === undefined || !hasLongWait(info, maxWaitMs)) return { info, refusedMs: 0 };
  const capped: RateLimitInfo = { ...info };
  let refusedMs = 0;
  if (tooLong(capped.retryAfterMs, maxWaitMs)) {
    refusedMs = Math.max(refusedMs, capped.retryAfterMs!);
    delete capped.retryAfterMs;
  }
  for (const [remaining, reset] of PAIRS) {
    if (capped[remaining] === 0 && tooLong(capped[reset], maxWaitMs)) {
      refusedMs = Math.max(refusedMs, capped[reset]!);
      delete capped[remaining];
      delete capped[reset];
    }
  }
  return { info: capped, refusedMs };
}

/** A wait above the cap: NaN and Infinity too. */
function tooLong(ms: number | undefined, maxWaitMs: number): boolean {
  return ms !== undefined && !(ms <= maxWaitMs);
}

/** Something `capHeaderWaits` takes out: a retry-after, or an exhausted budget's reset, above the cap. */
function hasLongWait(info: RateLimitInfo, maxWaitMs: number): boolean {
  if (tooLong(info.retryAfterMs, maxWaitMs)) return true;
  for (const [remaining, reset] of PAIRS) if (info[remaining] === 0 && tooLong(info[reset], maxWaitMs)) return true;
  return false;
}

const PAIRS = [
  ['remainingRequests', 'resetRequestsMs'],
  ['remainingTokens', 'resetTokensMs'],
  ['remainingInputTokens', 'resetInputTokensMs'],
  ['remainingOutputTokens', 'resetOutputTokensMs'],
] as const;
