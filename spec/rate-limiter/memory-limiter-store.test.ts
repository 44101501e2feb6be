import { describe, expect, it } from 'vitest';
import { memoryLimiterStore } from '../../src/rate-limiter/memory-limiter-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memoryLimiterStore', memoryLimiterStore);

describe('memoryLimiterStore', () => {
  it('answers synchronously, so virtual time stays exact', () => {
    const store = memoryLimiterStore();
    const limits = { rpm: 60, burst: 1, tokenBurst: 0 };
    expect(store.reserve('k', { ...limits, tokens: 0 }, 0)).toEqual({ granted: true, waitMs: 0 });
    expect(store.adjust('k', 5, limits, 0)).toBeUndefined();
    expect(store.pauseUntil('k', 10, limits, 0)).toBeUndefined();
  });

  it('gives each store its own state', () => {
    const limits = { rpm: 1, burst: 1, tokenBurst: 0, tokens: 0 };
    const first = memoryLimiterStore();
    const second = memoryLimiterStore();
    expect(first.reserve('k', limits, 0).granted).toBe(true);
    expect(second.reserve('k', limits, 0).granted).toBe(true);
  });
});
