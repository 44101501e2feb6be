import { performance } from 'node:perf_hooks';
import { lastValueFrom, merge, range, mergeMap } from 'rxjs';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';
import type { RateLimiter } from '../../src/rate-limiter/rate-limiter-types.js';
import type { RateLimiterStore } from '../../src/rate-limiter/rate-limiter-store.js';
import { createRedisLimiterStore } from '../../src/rate-limiter/redis-limiter-store.js';
import { skipRedis, startRedisServer, type RedisServer } from '../support/redis-server.js';

/** A real `redis-server` and a connected client for the tests of one `describe` (started before them, stopped after). */
function useRedisClient(): { readonly client: ReturnType<typeof createClient> } {
  let redis: RedisServer | undefined;
  let connected: ReturnType<typeof createClient> | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
    connected = createClient({ url: redis.url });
    connected.on('error', () => undefined);
    await connected.connect();
  });
  afterAll(async () => {
    await connected?.close();
    await redis?.stop();
  });
  return {
    get client() {
      return connected!;
    },
  };
}

/**
 * `rpm: 'auto'` across workers. The learned pace stays per process, on purpose: it is the server's figure
 * (`remaining ÷ reset`, counting every worker's traffic on the key), every worker reads it from its own answers, and
 * the limits travel with each store call, so each worker's learned `rpm` advances the one shared request clock. Sharing
 * the budget needs only that clock; storing the learned figure too would add a second, staler copy of the headers.
 */
describe.skipIf(skipRedis)("rateLimiter({ rpm: 'auto' }) with one Redis store shared by two workers", () => {
  const redis = useRedisClient();

  /** A worker: its own store object on the shared budget, timed by `performance.now()`; grants go to `grants` (store clock). */
  const worker = (key: string, grants: number[]): RateLimiter => {
    let stamp = 0;
    const store = createRedisLimiterStore(redis.client, { key }, () => (stamp = performance.now()));
    const recording: RateLimiterStore = {
      reserve: (limiterKey, request, nowMs) => {
        const answer = store.reserve(limiterKey, request, nowMs);
        const at = stamp; // the clock is read as the call is made, before the first await
        return Promise.resolve(answer).then((result) => {
          if (result.granted) grants.push(at);
          return result;
        });
      },
      adjust: (...args) => store.adjust(...args),
      pauseUntil: (...args) => store.pauseUntil(...args),
    };
    return rateLimiter({ rpm: 'auto', store: recording });
  };

  it('do not exceed the learned budget together: each learns remaining ÷ reset, the shared clock spaces them', async () => {
    const grants: number[] = [];
    const workers = [worker('auto-shared', grants), worker('auto-shared', grants)];
    const headers = { remainingRequests: 10, resetRequestsMs: 1_000 }; // 600 rpm: one request per 100 ms
    for (const limiter of workers) limiter.observe(headers); // every worker reads the same figures from its answers
    const turns = (limiter: RateLimiter) => range(0, 4).pipe(mergeMap(() => limiter.acquire({ tokens: 0 })));
    await lastValueFrom(merge(...workers.map(turns)));
    expect(grants).toHaveLength(8);
    grants.sort((a, b) => a - b);
    // GCRA on one clock: the k-th grant comes at least k intervals after the first, however the two interleave.
    const first = grants[0]!;
    grants.forEach((at, k) => expect(at - first).toBeGreaterThanOrEqual(k * 100 - 1e-3));
    for (const limiter of workers) expect(limiter.limitsInForce!().rpm).toEqual({ value: 600, source: 'headers' });
  });
});

/**
 * The adaptive slow-down (429s without budget headers) across workers: each worker counts only its own answers, so the
 * store carries the key's success count and the latest decrease (issue 22); a second worker takes the first one's
 * decrease with its next reserve, instead of pacing the shared clock at a pace of its own.
 */
describe.skipIf(skipRedis)("rateLimiter({ rpm: 'auto' }) adaptive slow-down shared through one Redis budget", () => {
  const redis = useRedisClient();

  it("a worker takes another worker's decrease with its next reserve", async () => {
    const [a, b] = [0, 1].map(() => rateLimiter({ rpm: 'auto', store: createRedisLimiterStore(redis.client, { key: 'adaptive-shared' }) })) as [RateLimiter, RateLimiter];
    const turn = async (limiter: RateLimiter) => (await lastValueFrom(limiter.acquire({ tokens: 0 }))).grantedAt!;
    for (const limiter of [b, a]) {
      for (let i = 0; i < 20; i++) limiter.observe(undefined); // 20 successes each, reported with the next reserve
      await turn(limiter);
    }
    const sentAt = await turn(a);
    for (let i = 0; i < 3; i++) a.refused!(undefined, { sentAt }); // 3 of 23 answers refused: a limit, so a decreases
    const decreased = a.limitsInForce!().rpm;
    expect(decreased.source).toBe('adapted');
    expect(b.limitsInForce!().rpm.value).toBe(Number.POSITIVE_INFINITY); // b saw no refusal of its own
    await turn(a); // reports the decrease
    await turn(b); // and b takes it
    const taken = b.limitsInForce!().rpm;
    expect(taken.source).toBe('adapted');
    expect(taken.value).toBeCloseTo(decreased.value, 6); // as Redis keeps it (14 significant digits)
  });
});
