import { describe, expect, it } from 'vitest';
import { SUCCESS_DECAY_MS, type RateLimiterStore, type RateLimits, type ReserveResult } from '../../src/rate-limiter/rate-limiter-store.js';

/**
 * The `RateLimiterStore` contract as executable checks. Both stores (memory, Redis) must pass it:
 * `describeStoreContract('redisLimiterStore', () => createRedisLimiterStore(...))`.
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

    it('shares the adaptive pace: a decayed count of the successes reported with reserve, and the latest adapted pace', async () => {
      const store = createStore();
      const limits = rates({ rpm: 60_000, burst: 100 });
      const first = await store.reserve('k', { ...limits, tokens: 0, successes: 3 }, 0);
      expect(first.successes).toBeCloseTo(3, 6);
      expect(first.adaptedRpm).toBeUndefined(); // none reported yet
      expect((await store.reserve('k', { ...limits, tokens: 0, successes: 1, adaptedRpm: 500 }, 0)).successes).toBeCloseTo(4, 6);
      const later = await store.reserve('k', { ...limits, tokens: 0, successes: 0 }, SUCCESS_DECAY_MS);
      expect(later.successes).toBeCloseTo(4 * Math.exp(-1), 6);
      expect(later).toMatchObject({ adaptedRpm: 500, adaptedAgeMs: SUCCESS_DECAY_MS });
      expect(await store.reserve('other', { ...limits, tokens: 0 }, 0)).toEqual(granted); // nothing shared unless asked
    });

    it('keeps keys apart', async () => {
      const store = createStore();
      expect(await ask(store, 'a', rates(), 0, 0)).toEqual(granted);
      expect(await ask(store, 'b', rates(), 0, 0)).toEqual(granted);
      await store.pauseUntil('a', 60_000, rates(), 0);
      expect(await ask(store, 'c', rates(), 0, 0)).toEqual(granted);
    });

    describe('separate input and output budgets (inputTpm / outputTpm)', () => {
      // 1 ms per input token, 10 ms per output token; a burst of 100 requests so only the token clocks wait.
      const split = rates({ rpm: 60_000, burst: 100, inputTpm: 60_000, inputTokenBurst: 1000, outputTpm: 6000, outputTokenBurst: 100 });
      const part = async (store: RateLimiterStore, inputTokens: number, outputTokens: number, now: number): Promise<ReserveResult> =>
        await store.reserve('k', { ...split, tokens: inputTokens + outputTokens, inputTokens, outputTokens }, now);

      it('runs an input and an output clock, each with its own bucket', async () => {
        const store = createStore();
        expect(await part(store, 1000, 0, 0)).toEqual(granted); // fills the input bucket
        expect(await part(store, 400, 0, 0)).toEqual({ granted: false, waitMs: 400 });
        expect(await part(store, 0, 100, 0)).toEqual(granted); // the output bucket is its own
        expect(await part(store, 0, 50, 0)).toEqual({ granted: false, waitMs: 500 });
        expect(await part(store, 400, 0, 400)).toEqual(granted);
        expect(await part(store, 0, 50, 500)).toEqual(granted);
      });

      it('changes no clock when one part refuses', async () => {
        const store = createStore();
        expect(await part(store, 0, 100, 0)).toEqual(granted);
        for (let i = 0; i < 3; i++) expect(await part(store, 500, 100, 0)).toEqual({ granted: false, waitMs: 1000 });
        expect(await part(store, 1000, 0, 0)).toEqual(granted); // the refusals took no input tokens
      });

      it('defaults each bucket to one second of its budget, and ignores a part without its limit', async () => {
        const store = createStore();
        const inputOnly = rates({ rpm: 60_000, burst: 100, inputTpm: 60_000 }); // bucket of 1000
        const ask = async (inputTokens: number, outputTokens: number, now: number) =>
          await store.reserve('k', { ...inputOnly, tokens: 0, inputTokens, outputTokens }, now);
        expect(await ask(1000, 1e12, 0)).toEqual(granted);
        expect(await ask(10, 1e12, 0)).toEqual({ granted: false, waitMs: 10 });
      });

      it('grants a part larger than its bucket only when its clock is idle', async () => {
        const store = createStore();
        expect(await part(store, 0, 10, 0)).toEqual(granted); // output clock 100
        expect(await part(store, 0, 5000, 1)).toEqual({ granted: false, waitMs: 99 });
        expect(await part(store, 0, 5000, 100)).toEqual(granted);
        expect(await part(store, 0, 100, 100)).toEqual({ granted: false, waitMs: 50_000 });
      });

      it('adjust() corrects each clock by its part, and a refund never fills an idle bucket beyond full', async () => {
        const store = createStore();
        expect(await part(store, 1000, 100, 0)).toEqual(granted); // input clock 1000, output clock 1000
        await store.adjust('k', 0, split, 100, { inputTokens: -800, outputTokens: 0 }); // input 1000 → 200
        expect(await part(store, 1000, 0, 100)).toEqual({ granted: false, waitMs: 100 });
        expect(await part(store, 0, 100, 100)).toEqual({ granted: false, waitMs: 900 }); // output untouched
        await store.adjust('k', 0, split, 100, { inputTokens: 500, outputTokens: -50 }); // input 200 → 700, output 1000 → 500
        expect(await part(store, 1000, 0, 100)).toEqual({ granted: false, waitMs: 600 });
        expect(await part(store, 0, 100, 100)).toEqual({ granted: false, waitMs: 400 });
        await store.adjust('k', 0, split, 100, { inputTokens: -1e9, outputTokens: -1e9 }); // both idle, not below
        expect(await part(store, 0, 500, 100)).toEqual(granted); // output idle: a part beyond its bucket goes
        expect(await part(store, 0, 0, 101)).toEqual({ granted: false, waitMs: 3999 }); // output clock 5100
        expect(await part(store, 2000, 0, 5100)).toEqual(granted); // input idle since the refund
      });

      it('keeps the total token clock apart from the parts', async () => {
        const store = createStore();
        const both = { ...split, tpm: 60_000, tokenBurst: 1000 };
        expect(await store.reserve('k', { ...both, tokens: 1000, inputTokens: 0, outputTokens: 0 }, 0)).toEqual(granted);
        expect(await store.reserve('k', { ...both, tokens: 10, inputTokens: 0, outputTokens: 0 }, 0)).toEqual({ granted: false, waitMs: 10 });
        expect(await store.reserve('k', { ...both, tokens: 0, inputTokens: 1000, outputTokens: 100 }, 0)).toEqual(granted);
      });
    });
  });
}
