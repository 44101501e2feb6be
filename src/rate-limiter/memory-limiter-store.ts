import { createGcraState, gcraAdjust, gcraAdjustParts, gcraPauseUntil, gcraReserve, type GcraState } from './gcra.js';
import type { RateLimiterStore, RateLimits, ReserveRequest, ReserveResult, TokenParts } from './rate-limiter-store.js';

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
  return {
    reserve: (key, request, nowMs) => gcraReserve(stateOf(key), request, nowMs),
    adjust: (key, tokens, limits, nowMs, parts) => {
      gcraAdjust(stateOf(key), tokens, limits, nowMs);
      if (parts !== undefined) gcraAdjustParts(stateOf(key), parts, limits, nowMs);
    },
    pauseUntil: (key, untilMs, limits) => gcraPauseUntil(stateOf(key), untilMs, limits),
  };
}
