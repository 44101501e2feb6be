import { describe, expect, it } from 'vitest';
import type { RateLimiterStore, RateLimits, ReserveResult } from '../../src/rate-limiter/rate-limiter-store.js';

/**
 * The `RateLimiterStore` contract as executable checks. Any store (in memory now, Redis later) must pass it:
 * `describeStoreContract('redis store', () => createRedisStore(...))`.
 */
export function describeStoreContract(name: string, createStore: () => RateLimiterStore): void {
  const rates = (limits: Partial<RateLimits> = {}): RateLimits => ({ rpm: 6, burst: 1, tokenBurst: 0, ...limits });
  const ask = async (store: RateLimiterStore, key: string, limits: RateLimits, tokens: number, now: number): Promise<ReserveResult> =>
    await store.reserve(key, { ...limits, tokens }, now);
  const granted: ReserveResult = { granted: true, waitMs: 0 };

  describe(`${name}: RateLimiterStore contract`, () => {
    it('grants from idle and advances the request clock by 60 000 / rpm', async () => {
      const store = createStore();
      expect(await ask(store, 'k', rates(), 0, 1000)).toEqual(granted);
      expect(await ask(store, 'k', rates(), 0, 1000)).toEqual({ granted: false, waitMs: 10_000 });
      expect(await ask(store, 'k', rates(), 0, 11_000)).toEqual(granted);
    });

    it('changes nothing when it refuses', async () => {
      const store = createStore();
      const limits = rates({ tpm: 60_000 });
      expect(await ask(store, 'k', limits, 100, 0)).toEqual(granted);
      for (let i = 0; i < 3; i++) expect(await ask(store, 'k', limits, 100, 5000)).toEqual({ granted: false, waitMs: 5000 });
      expect(await ask(store, 'k', limits, 100, 10_000)).toEqual(granted);
    });

    it('grants `burst` requests at once, then one per interval', async () => {
      const store = createStore();
      const limits = rates({ burst: 3 });
      for (let i = 0; i < 3; i++) expect(await ask(store, 'k', limits, 0, 0)).toEqual(granted);
      expect(await ask(store, 'k', limits, 0, 0)).toEqual({ granted: false, waitMs: 10_000 });
    });

    it('spaces tokens by cost × 60 000 / tpm, with a bucket of tokenBurst', async () => {
      const store = createStore();
      const limits = rates({ rpm: 60_000, tpm: 60_000, tokenBurst: 1000 });
      expect(await ask(store, 'k', limits, 1000, 0)).toEqual(granted); // fills the bucket
      expect(await ask(store, 'k', limits, 400, 0)).toEqual({ granted: false, waitMs: 400 });
      expect(await ask(store, 'k', limits, 400, 400)).toEqual(granted);
    });

    it('grants a request larger than the bucket only when the token clock is idle', async () => {
      const store = createStore();
      const limits = rates({ rpm: 60_000, tpm: 1000, tokenBurst: 100 }); // 60 ms per token
      expect(await ask(store, 'k', limits, 10, 0)).toEqual(granted);
      expect(await ask(store, 'k', limits, 5000, 1)).toEqual({ granted: false, waitMs: 599 });
      expect(await ask(store, 'k', limits, 5000, 600)).toEqual(granted);
      expect(await ask(store, 'k', limits, 100, 600)).toEqual({ granted: false, waitMs: 300_000 });
    });

    it('ignores tokens without tpm', async () => {
      const store = createStore();
      const limits = rates({ burst: 2 });
      expect(await ask(store, 'k', limits, 1e12, 0)).toEqual(granted);
      expect(await ask(store, 'k', limits, 1e12, 0)).toEqual(granted);
    });

    it('adjust() charges and refunds the token clock, and a refund never fills an idle bucket beyond full', async () => {
      const store = createStore();
      const limits = rates({ rpm: 60_000, tpm: 60_000 });
      expect(await ask(store, 'k', limits, 1000, 0)).toEqual(granted);
      await store.adjust('k', -800, limits, 100); // token clock 1000 → 200
      expect(await ask(store, 'k', limits, 10, 100)).toEqual({ granted: false, waitMs: 100 });
      await store.adjust('k', 500, limits, 100); // 200 → 700
      expect(await ask(store, 'k', limits, 10, 100)).toEqual({ granted: false, waitMs: 600 });
      await store.adjust('k', -1e9, limits, 100); // back to idle, not below
      expect(await ask(store, 'k', limits, 5000, 100)).toEqual(granted);
      expect(await ask(store, 'k', limits, 5000, 101)).toEqual({ granted: false, waitMs: 4999 });
    });

    it('pauseUntil() holds requests, extends but never shortens, and spends the burst', async () => {
      const store = createStore();
      const limits = rates({ burst: 3 });
      await store.pauseUntil('k', 20_000, limits, 0);
      await store.pauseUntil('k', 5000, limits, 0);
      expect(await ask(store, 'k', limits, 0, 1000)).toEqual({ granted: false, waitMs: 19_000 });
      expect(await ask(store, 'k', limits, 0, 20_000)).toEqual(granted);
      expect(await ask(store, 'k', limits, 0, 20_000)).toEqual({ granted: false, waitMs: 10_000 });
    });

    it('keeps keys apart', async () => {
      const store = createStore();
      expect(await ask(store, 'a', rates(), 0, 0)).toEqual(granted);
      expect(await ask(store, 'b', rates(), 0, 0)).toEqual(granted);
      await store.pauseUntil('a', 60_000, rates(), 0);
      expect(await ask(store, 'c', rates(), 0, 0)).toEqual(granted);
    });
  });
}
