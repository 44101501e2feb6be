import type { RateLimitInfo } from '../types.js';

/**
 * How long a per-minute budget can take to come back when the server says it is gone but not when it returns: the
 * limiter's whole counting window.
 */
export const WINDOW_ESTIMATE_MS = 60_000;

type Bucket = 'Requests' | 'Tokens' | 'InputTokens' | 'OutputTokens';
/** Each budget's field names, spelled once (not built per response). */
const BUCKETS = (['Requests', 'Tokens', 'InputTokens', 'OutputTokens'] as const satisfies readonly Bucket[]).map((bucket) => ({
  remaining: `remaining${bucket}` as const,
  reset: `reset${bucket}Ms` as const,
  limit: `limit${bucket}` as const,
}));

/**
 * What a 429 means for everyone else sharing the limiter (the pause rule):
 * - `pause`: its headers show a `remaining` of 0 (requests or tokens): the budget is gone, everyone waits `ms`;
 * - `item`: its headers show budget left (a gateway's per-request refusal, a concurrency cap, a capacity tier):
 *   only the refused item waits its retry-after or backoff;
 * - `adapt`: it carries no budget headers at all: the item waits, and the limiter's adaptive pace (`AdaptivePace`) may slow everyone.
 */
export type RefusalVerdict = { kind: 'pause'; ms: number } | { kind: 'item' } | { kind: 'adapt' };

/**
 * How long the rate-limit headers of a response ask everyone to wait; 0 when they don't. A `remaining` of 0 pauses
 * until the matching reset, or the server's retry-after if longer; with neither usable, for `WINDOW_ESTIMATE_MS`.
 */
export function pauseFromInfo(info: RateLimitInfo | undefined): number {
  if (typeof info !== 'object' || info === null) return 0;
  const retryAfter = duration(info.retryAfterMs);
  let wait = retryAfter;
  for (const bucket of BUCKETS) {
    if (!exhausted(info[bucket.remaining])) continue;
    const reset = duration(info[bucket.reset]);
    wait = Math.max(wait, reset > 0 ? reset : retryAfter > 0 ? retryAfter : WINDOW_ESTIMATE_MS);
  }
  return wait;
}

/**
 * Applies the pause rule to a 429's own rate-limit headers (`info`, which may hold only its retry-after).
 * A reset header alone is no evidence that the budget is gone.
 */
export function refusalVerdict(info: RateLimitInfo | undefined): RefusalVerdict {
  if (typeof info !== 'object' || info === null || !hasBudgetHeaders(info)) return { kind: 'adapt' };
  const exhaustedAny = BUCKETS.some((bucket) => exhausted(info[bucket.remaining]));
  return exhaustedAny ? { kind: 'pause', ms: pauseFromInfo(info) } : { kind: 'item' };
}

function hasBudgetHeaders(info: RateLimitInfo): boolean {
  return BUCKETS.some((bucket) => typeof info[bucket.remaining] === 'number' || typeof info[bucket.limit] === 'number');
}

function exhausted(remaining: unknown): boolean {
  return remaining === 0;
}

function duration(ms: unknown): number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0;
}
