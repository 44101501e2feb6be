import { createGcraState, gcraAdjust, gcraAdjustParts, gcraPauseUntil, gcraReserve, type GcraState } from './gcra.js';
import { decayedCount, type RateLimiterStore, type RateLimits, type ReserveRequest, type ReserveResult, type TokenParts } from './rate-limiter-store.js';

/**
 * The in-memory `RateLimiterStore`, whose answers are synchronous.
 *
 * @example
 * ```ts
 * import { memoryLimiterStore, type MemoryLimiterStore } from 'rxllm';
 * const store: MemoryLimiterStore = memoryLimiterStore();
 * console.log(store.reserve('k', { rpm: 60, burst: 1, tokenBurst: 0, tokens: 0 }, 0).granted); // true
 * ```
 */
export interface MemoryLimiterStore extends RateLimiterStore {
  reserve(key: string, request: ReserveRequest, nowMs: number): ReserveResult;
  adjust(key: string, tokens: number, limits: RateLimits, nowMs: number, parts?: TokenParts, reservation?: string): void;
  pauseUntil(key: string, untilMs: number, limits: RateLimits, nowMs: number): void;
}

/**
 * Creates the in-memory `RateLimiterStore`: GCRA state per key in a `Map`, answering synchronously (so virtual-time
 * tests stay exact). Every `rateLimiter()` without a `store` gets its own; pass one store to several limiters (with
 * the same `key`) to make them share a budget inside one process. For a budget shared across processes, implement
 * `RateLimiterStore` on a shared database (e.g. Redis) following the contract documented there.
 *
 * @returns A store whose state lives as long as the object.
 *
 * @example
 * ```ts
 * import { memoryLimiterStore, rateLimiter } from 'rxllm';
 * const store = memoryLimiterStore();
 * const chat = rateLimiter({ rpm: 500, tpm: 200_000, store, key: 'openai' });
 * const embeddings = rateLimiter({ rpm: 500, tpm: 200_000, store, key: 'openai' }); // same budget as `chat`
 * chat.acquire({ tokens: 1_000 }).subscribe(() => console.log('send the chat request'));
 * embeddings.acquire({ tokens: 50 }).subscribe(() => console.log('send the embeddings request'));
 * ```
 */
export function memoryLimiterStore(): MemoryLimiterStore {
  const states = new Map<string, GcraState>();
  const stateOf = (key: string): GcraState => {
    let state = states.get(key);
    if (state === undefined) {
      state = createGcraState();
      states.set(key, state);
    }
    return state;
  };
  /** Every key's decayed success count (`ReserveResult.successes`) and when it was last brought up to date. */
  const successes = new Map<string, { count: number; at: number }>();
  const countSuccesses = (key: string, reported: number, nowMs: number): number => {
    const counted = successes.get(key) ?? { count: 0, at: nowMs };
    counted.count = decayedCount(counted.count, counted.at, nowMs) + (Number.isFinite(reported) && reported > 0 ? reported : 0);
    counted.at = Math.max(counted.at, nowMs);
    successes.set(key, counted);
    return counted.count;
  };
  /** Every key's latest adapted pace (`ReserveRequest.adaptedRpm`) and when it was reported. */
  const paces = new Map<string, { rpm: number; at: number }>();
  return {
    reserve: (key, request, nowMs) => {
      const result = gcraReserve(stateOf(key), request, nowMs); // a new object: filled in below
      if (request.successes === undefined) return result;
      if (typeof request.adaptedRpm === 'number' && request.adaptedRpm > 0) paces.set(key, { rpm: request.adaptedRpm, at: nowMs });
      result.successes = countSuccesses(key, request.successes, nowMs);
      const pace = paces.get(key);
      if (pace !== undefined) {
        result.adaptedRpm = pace.rpm;
        result.adaptedAgeMs = Math.max(0, nowMs - pace.at);
      }
      return result;
    },
    adjust: (key, tokens, limits, nowMs, parts) => {
      gcraAdjust(stateOf(key), tokens, limits, nowMs);
      if (parts !== undefined) gcraAdjustParts(stateOf(key), parts, limits, nowMs);
    },
    pauseUntil: (key, untilMs, limits) => gcraPauseUntil(stateOf(key), untilMs, limits),
  };
}
