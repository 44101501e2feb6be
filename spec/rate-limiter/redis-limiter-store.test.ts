import { once } from 'node:events';
import { createClient } from 'redis';
import { asyncScheduler, firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LimiterStoreError } from '../../src/errors/limiter-store-error.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';
import { createRedisLimiterStore, redisLimiterStore, type RedisLimiterStoreOptions } from '../../src/rate-limiter/redis-limiter-store.js';
import type { RateLimiterStore, RateLimits } from '../../src/rate-limiter/rate-limiter-store.js';
import { skipRedis, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { describeStoreContract } from './store-contract.js';

let budgets = 0;
const nextBudget = (): string => `budget-${++budgets}`;

/** The caller's clock stands in for Redis `TIME`, so the contract's absolute times mean the same thing. */
const callerClock = (nowMs: number): number => nowMs;

async function connect(url: string) {
  const client = createClient({ url, socket: { connectTimeout: 500, reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 200) } });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

type Client = Awaited<ReturnType<typeof connect>>;

async function ready(client: Client): Promise<void> {
  if (!client.isReady) await once(client, 'ready');
}

describe.skipIf(skipRedis)('redisLimiterStore against a real redis-server', () => {
  let redis: RedisServer;
  let client: Client;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connect(redis.url);
  });
  afterAll(async () => {
    await client?.close();
    await redis?.stop();
  });

  describeStoreContract('redisLimiterStore (clock injected)', () => createRedisLimiterStore(client, { key: nextBudget() }, callerClock));

  describe('on the Redis clock', () => {
    it('ignores the callers\' clocks: workers 2 s ahead and 2 s behind get the same answer', async () => {
      const options = { key: nextBudget() };
      const ahead = redisLimiterStore(client, options);
      const behind = redisLimiterStore(client, options);
      const request = { rpm: 6, burst: 1, tokenBurst: 0, tokens: 0 }; // one request per 10 s
      expect(await ahead.reserve('k', request, Date.now() + 2_000)).toEqual({ granted: true, waitMs: 0 });
      const fromBehind = await behind.reserve('k', request, Date.now() - 2_000);
      const fromAhead = await ahead.reserve('k', request, Date.now() + 2_000);
      for (const answer of [fromBehind, fromAhead]) {
        expect(answer.granted).toBe(false);
        expect(answer.waitMs).toBeGreaterThan(9_000); // a caller-clock store would answer 14 000 and 8 000
        expect(answer.waitMs).toBeLessThanOrEqual(10_000);
      }
    });

    it('reads a pause as a duration from the caller\'s now', async () => {
      const store = redisLimiterStore(client, { key: nextBudget() });
      const limits: RateLimits = { rpm: 60_000, burst: 1, tokenBurst: 0 };
      await store.pauseUntil('k', 1_000_000 + 5_000, limits, 1_000_000); // a caller whose clock reads 1 000 000
      const answer = await store.reserve('k', { ...limits, tokens: 0 }, 0);
      expect(answer.granted).toBe(false);
      expect(answer.waitMs).toBeGreaterThan(4_000);
      expect(answer.waitMs).toBeLessThanOrEqual(5_000);
    });
  });

  describe('the grid', () => {
    it('keeps the slot of a request that arrives less than one interval late', async () => {
      const store = createRedisLimiterStore(client, { key: nextBudget() }, callerClock);
      const request = { rpm: 6, burst: 1, tokenBurst: 0, tokens: 0 };
      expect(await store.reserve('k', request, 0)).toEqual({ granted: true, waitMs: 0 });
      expect(await store.reserve('k', request, 10_400)).toEqual({ granted: true, waitMs: 0 }); // due at 10 000
      expect(await store.reserve('k', request, 20_000)).toEqual({ granted: true, waitMs: 0 }); // still on the grid
      expect(await store.reserve('k', request, 20_000)).toEqual({ granted: false, waitMs: 10_000 });
    });

    it('keeps a refund that lands after the token clock passed now: the next request gets the slot it would have had', async () => {
      const store = createRedisLimiterStore(client, { key: nextBudget() }, callerClock);
      const limits: RateLimits = { rpm: 60_000, burst: 100, tpm: 60_000, tokenBurst: 0 }; // 1 ms per token
      expect(await store.reserve('k', { ...limits, tokens: 78 }, 0)).toEqual({ granted: true, waitMs: 0 }); // token clock 78
      expect(await store.reserve('k', { ...limits, tokens: 78 }, 0)).toEqual({ granted: false, waitMs: 78 });
      await store.adjust('k', -26, limits, 90); // used 52: the slot was 52, the refund arrives at 90
      expect(await store.reserve('k', { ...limits, tokens: 78 }, 90)).toEqual({ granted: true, waitMs: 0 }); // on the grid: 52 + 78
      expect(await store.reserve('k', { ...limits, tokens: 0 }, 90)).toEqual({ granted: false, waitMs: 40 }); // a dropped refund: 78
    });

    it('does not win back a stall longer than one interval', async () => {
      const store = createRedisLimiterStore(client, { key: nextBudget() }, callerClock);
      const request = { rpm: 6, burst: 1, tokenBurst: 0, tokens: 0 };
      await store.reserve('k', request, 0);
      expect(await store.reserve('k', request, 25_000)).toEqual({ granted: true, waitMs: 0 });
      expect(await store.reserve('k', request, 30_000)).toEqual({ granted: false, waitMs: 5_000 });
    });
  });

  describe('leases', () => {
    // 1 ms per token, no token burst: the token clock reads as tokens.
    const limits: RateLimits = { rpm: 60_000, burst: 1, tpm: 60_000, tokenBurst: 0 };
    const pair = (leaseMs: number): [RateLimiterStore, RateLimiterStore] => {
      const options = { key: nextBudget(), leaseMs };
      return [createRedisLimiterStore(client, options, callerClock), createRedisLimiterStore(client, options, callerClock)];
    };

    it('gives a stopped worker\'s unsettled estimate back after leaseMs', async () => {
      const [crashed, survivor] = pair(500);
      expect(await crashed.reserve('k', { ...limits, tokens: 1_000 }, 0)).toEqual({ granted: true, waitMs: 0 });
      expect(await survivor.reserve('k', { ...limits, tokens: 10 }, 100)).toEqual({ granted: false, waitMs: 900 });
      expect(await survivor.reserve('k', { ...limits, tokens: 10 }, 499)).toEqual({ granted: false, waitMs: 501 });
      expect(await survivor.reserve('k', { ...limits, tokens: 10 }, 600)).toEqual({ granted: true, waitMs: 0 });
    });

    it('keeps what a worker settled: only unsettled estimates come back', async () => {
      const [stopped, survivor] = pair(500);
      await stopped.reserve('k', { ...limits, tokens: 1_000 }, 0);
      await stopped.adjust('k', -200, limits, 100); // used 800
      expect(await survivor.reserve('k', { ...limits, tokens: 10 }, 600)).toEqual({ granted: false, waitMs: 200 });
    });

    it('keeps the lease of a worker that still calls', async () => {
      const [busy, other] = pair(500);
      await busy.reserve('k', { ...limits, tokens: 1_000 }, 0);
      await busy.reserve('k', { ...limits, tokens: 10 }, 400); // refused, but seen
      expect(await other.reserve('k', { ...limits, tokens: 10 }, 600)).toEqual({ granted: false, waitMs: 400 });
    });

    it('charges the actual usage when a reaped worker settles late', async () => {
      const [slow, other] = pair(500);
      await slow.reserve('k', { ...limits, tokens: 1_000 }, 0);
      expect(await other.reserve('k', { ...limits, tokens: 10 }, 600)).toEqual({ granted: true, waitMs: 0 }); // token clock 610
      await slow.adjust('k', -200, limits, 700); // used 800: charged again, from 700
      expect(await other.reserve('k', { ...limits, tokens: 10 }, 700)).toEqual({ granted: false, waitMs: 800 });
    });
  });

  describe('settlements through rateLimiter', () => {
    // 1 ms per token; a burst of 10 requests and a bucket of 10 000 tokens, so both turns go at once on a still clock.
    const limits = { rpm: 60_000, burst: 10, tpm: 60_000, tokenBurst: 10_000 };
    /** A worker whose clock stands still at 0 and whose store calls can be awaited; its lease lives 500 ms. */
    const worker = (key: string) => {
      const store = createRedisLimiterStore(client, { key, leaseMs: 500 }, callerClock);
      const adjusts: Promise<void>[] = [];
      const tracked: RateLimiterStore = {
        reserve: (...args) => store.reserve(...args),
        adjust: (...args) => {
          const done = Promise.resolve(store.adjust(...args));
          adjusts.push(done);
          return done;
        },
        pauseUntil: (...args) => store.pauseUntil(...args),
      };
      const scheduler = { now: () => 0, schedule: asyncScheduler.schedule.bind(asyncScheduler) };
      const limiter = rateLimiter({ ...limits, store: tracked, scheduler });
      return { limiter, settled: () => Promise.all(adjusts) };
    };
    /** The tokens the budget's leases still hold, by lease. */
    const heldOf = async (key: string): Promise<number[]> => Object.values(await client.hGetAll(`rxllm:{${key}}:rxllm:held`)).map(Number);
    /** A second worker asking at 600 ms (after the first one's lease ran out) with no token bucket: waits until the token clock. */
    const survivorWait = async (key: string) =>
      await createRedisLimiterStore(client, { key, leaseMs: 500 }, callerClock).reserve('rxllm', { rpm: 60_000, burst: 1, tpm: 60_000, tokenBurst: 0, tokens: 0 }, 600);

    it('settles a turn whose usage equals its estimate, so a later settlement is not matched to it', async () => {
      const key = nextBudget();
      const { limiter, settled } = worker(key);
      const first = await firstValueFrom(limiter.acquire({ tokens: 1_000 }));
      const second = await firstValueFrom(limiter.acquire({ tokens: 500 })); // token clock 1 500
      first.settle(1_000); // exactly the estimate
      second.settle(300); // 200 back: token clock 1 300
      await settled();
      expect(await heldOf(key)).toEqual([0]); // nothing left held for a reaper to give back
      expect(await survivorWait(key)).toEqual({ granted: false, waitMs: 700 }); // 1 300 - 600: no refund after the lease ran out
    });

    it('matches settlements to their own turns when they arrive out of order, and a repeated one counts once', async () => {
      const key = nextBudget();
      const { limiter, settled } = worker(key);
      await firstValueFrom(limiter.acquire({ tokens: 1_000 })); // never settled: its worker stops
      const second = await firstValueFrom(limiter.acquire({ tokens: 2_000 })); // token clock 3 000
      second.settle(1_500); // 500 back: token clock 2 500
      second.settle(1_500); // the same total again: no change
      await settled();
      expect(await heldOf(key)).toEqual([1_000]); // the unsettled turn's estimate, not the settled one's
      expect(await survivorWait(key)).toEqual({ granted: false, waitMs: 900 }); // its 1 000 given back: 1 500 - 600
    });
  });

  describe('leases of the input and output budgets', () => {
    // 1 ms per input token, 10 ms per output token, no token bursts: each clock reads as its tokens.
    const split: RateLimits = { rpm: 60_000, burst: 100, tokenBurst: 0, inputTpm: 60_000, inputTokenBurst: 0, outputTpm: 6_000, outputTokenBurst: 0 };
    const ask = (inputTokens: number, outputTokens: number) => ({ ...split, tokens: inputTokens + outputTokens, inputTokens, outputTokens });
    const pair = (leaseMs: number): [RateLimiterStore, RateLimiterStore] => {
      const options = { key: nextBudget(), leaseMs };
      return [createRedisLimiterStore(client, options, callerClock), createRedisLimiterStore(client, options, callerClock)];
    };

    it("gives a stopped worker's unsettled input and output estimates back after leaseMs", async () => {
      const [crashed, survivor] = pair(500);
      expect(await crashed.reserve('k', ask(1_000, 100), 0)).toEqual({ granted: true, waitMs: 0 }); // input 1000, output 1000
      expect(await survivor.reserve('k', ask(10, 0), 100)).toEqual({ granted: false, waitMs: 900 });
      expect(await survivor.reserve('k', ask(10, 0), 600)).toEqual({ granted: true, waitMs: 0 }); // both given back
      expect(await survivor.reserve('k', ask(0, 10), 600)).toEqual({ granted: false, waitMs: 10 }); // the input clock (610) waits; the output clock is idle at 600, not 1000
    });

    it('keeps what a worker settled of each part: only unsettled estimates come back', async () => {
      const [stopped, survivor] = pair(500);
      await stopped.reserve('k', ask(1_000, 100), 0);
      await stopped.adjust('k', 0, split, 100, { inputTokens: -200, outputTokens: -20 }); // used 800 in, 80 out
      expect(await survivor.reserve('k', ask(0, 0), 600)).toEqual({ granted: false, waitMs: 200 }); // both clocks at 800
    });

    it('charges the actual parts when a reaped worker settles late', async () => {
      const [slow, other] = pair(500);
      await slow.reserve('k', ask(1_000, 100), 0);
      expect(await other.reserve('k', ask(0, 0), 600)).toEqual({ granted: true, waitMs: 0 });
      await slow.adjust('k', 0, split, 700, { inputTokens: -200, outputTokens: -50 }); // used 800 in (to 1500), 50 out (to 1200)
      expect(await other.reserve('k', ask(0, 0), 700)).toEqual({ granted: false, waitMs: 800 });
    });
  });

  describe('options', () => {
    it('names the field of a bad option', () => {
      expect(() => redisLimiterStore(client, { key: 'a{b}' })).toThrow(/options\.key: must not contain/);
      expect(() => redisLimiterStore(client, { key: 'a', onUnavailable: 'degrade' })).toThrow(/options\.expectedWorkers: required/);
      expect(() => redisLimiterStore(client, { key: 'a', leaseMs: 0 })).toThrow(/options\.leaseMs/);
      expect(() => redisLimiterStore({} as never, { key: 'a' })).toThrow(/client: expected a Redis client/);
    });
  });
});

describe.skipIf(skipRedis)('redisLimiterStore with Redis unreachable', () => {
  let redis: RedisServer;
  let client: Client;
  const request = { rpm: 6, burst: 2, tokenBurst: 0, tokens: 0 };
  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connect(redis.url);
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await client?.close();
    await redis?.stop();
  });

  it("'fail' rejects within the timeout with an error naming Redis, and works again once it is back", async () => {
    const options: RedisLimiterStoreOptions = { key: nextBudget(), timeout: 300 };
    const store = createRedisLimiterStore(client, options, callerClock);
    await redis.stop();
    const started = Date.now();
    const failure = await Promise.resolve(store.reserve('k', request, 0)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LimiterStoreError);
    expect((failure as Error).message).toMatch(/^Redis limiter store \(budget "budget-\d+"\) unavailable: /);
    expect(Date.now() - started).toBeLessThan(5_000); // a ceiling: node-redis alone would wait 5 s
    await redis.restart();
    await ready(client);
    expect(await store.reserve('k', request, 0)).toEqual({ granted: true, waitMs: 0 });
  });

  it("'degrade' paces locally at 1 / expectedWorkers with one warning, then returns to Redis", async () => {
    const warnings: string[] = [];
    const options: RedisLimiterStoreOptions = { key: nextBudget(), timeout: 300, onUnavailable: 'degrade', expectedWorkers: 2, onWarning: (message) => warnings.push(message) };
    const store = createRedisLimiterStore(client, options, callerClock);
    expect(await store.reserve('k', request, 0)).toEqual({ granted: true, waitMs: 0 }); // Redis: burst 2
    await redis.stop();
    vi.useFakeTimers({ toFake: ['Date'] });
    expect(await store.reserve('k', request, 0)).toEqual({ granted: true, waitMs: 0 }); // local: rpm 3, burst 1
    expect(await store.reserve('k', request, 0)).toEqual({ granted: false, waitMs: 20_000 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Redis limiter store .* unavailable .* 1\/2 of the limits/);
    await redis.restart();
    await ready(client);
    expect(await store.reserve('k', request, 0)).toEqual({ granted: false, waitMs: 20_000 }); // rechecks after 1 s only
    vi.setSystemTime(Date.now() + 1_000);
    expect(await store.reserve('k', request, 0)).toEqual({ granted: true, waitMs: 0 }); // a restarted, empty Redis
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/reachable again/);
  });
});
