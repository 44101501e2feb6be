import { concatMap, map, type MonoTypeOperatorFunction } from 'rxjs';
import type { RateLimiter, RequestCost } from './rate-limiter-types.js';

const FREE: RequestCost = { tokens: 0 };

/**
 * Holds values back until `limiter` grants each its turn, so a stream never goes faster than the limiter's
 * `rpm` / `tpm` — together with every other user of the same limiter. Order is kept and nothing is dropped:
 * values that arrive while one is waiting queue behind it. Place it just before the operator that sends requests.
 *
 * `cost(value)` gives each value's token cost (default: no tokens, requests only). The reservation is not
 * settled: use `limiter.acquire` directly when the real usage is known afterwards. Errors from `cost` or the
 * limiter's store end the stream with that error; unsubscribing drops the waiting turn without spending it.
 *
 * @param limiter - The shared limiter, from `rateLimiter()`.
 * @param cost - Token cost of a value. @defaultValue `() => ({ tokens: 0 })`
 * @returns An operator that releases values at the limiter's pace.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { rateLimit, rateLimiter } from 'rxllm';
 * const limiter = rateLimiter({ rpm: 30, tpm: 10_000 });
 * from(['short', 'a much longer prompt']).pipe(
 *   rateLimit(limiter, (prompt) => ({ tokens: prompt.length })),
 * ).subscribe((prompt) => console.log(new Date().toISOString(), prompt)); // two seconds apart
 * ```
 */
export function rateLimit<T>(limiter: RateLimiter, cost?: (value: T) => RequestCost): MonoTypeOperatorFunction<T> {
  return concatMap((value: T) => limiter.acquire(cost === undefined ? FREE : cost(value)).pipe(map(() => value)));
}
