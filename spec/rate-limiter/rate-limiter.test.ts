import { concatMap, map, merge, mergeMap, type Observable, of, type SchedulerAction, type SchedulerLike, VirtualTimeScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors/llm-error.js';
import { memoryLimiterStore } from '../../src/rate-limiter/memory-limiter-store.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';
import type { RateLimiterStore } from '../../src/rate-limiter/rate-limiter-store.js';
import type { RateLimiter, Reservation } from '../../src/rate-limiter/rate-limiter-types.js';

const createTestScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A turn that emits `name` when granted. */
const turn = (limiter: RateLimiter, name: string, tokens = 0): Observable<string> =>
  limiter.acquire({ tokens }).pipe(map(() => name));

describe('rateLimiter: requests per minute', () => {
  it('spaces requests 60 000 / rpm ms apart with the default burst of 1', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 2, scheduler });
      expectObservable(merge(turn(limiter, 'a'), turn(limiter, 'b'), turn(limiter, 'c'))).toBe('a 29999ms b 29999ms (c|)');
    });
  });

  it('releases `burst` requests back to back from idle, then spaces the rest', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6, burst: 3, scheduler });
      const names = ['a', 'b', 'c', 'd', 'e'];
      expectObservable(merge(...names.map((name) => turn(limiter, name)))).toBe('(abc) 9995ms d 9999ms (e|)');
    });
  });

  it('refills the burst while idle, one request per interval', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6, burst: 2, scheduler });
      // a, b use the burst; c at 10 s finds one slot back; d, e at 30 s find both, f waits one interval.
      const arrivals = merge(of('a', 'b'), cold('10000ms c|'), cold('30000ms (def|)'));
      expectObservable(arrivals.pipe(mergeMap((name) => turn(limiter, name)))).toBe('(ab) 9996ms c 19999ms (de) 9996ms (f|)');
    });
  });

  it('two pipelines sharing a limiter never exceed the budget together', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6, burst: 2, scheduler });
      const pipeline = (marbles: string) => cold(marbles).pipe(concatTurns(limiter));
      // Eight releases in 60 s: never more than rpm + burst - 1 = 7 in any window [t, t + 60 s).
      expectObservable(pipeline('abcd|')).toBe('a 9999ms b 19999ms c 19999ms (d|)');
      expectObservable(pipeline('wxyz|')).toBe('w 19999ms x 19999ms y 19999ms (z|)');
    });
  });

  it('two limiters on one store and key share one budget, as processes sharing Redis would', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const store = memoryLimiterStore();
      const first = rateLimiter({ rpm: 6, scheduler, store, key: 'org' });
      const second = rateLimiter({ rpm: 6, scheduler, store, key: 'org' });
      const other = rateLimiter({ rpm: 6, scheduler, store, key: 'another-org' });
      // b and x both wait for the slot at 10 s; b asked first, x gets the next one.
      expectObservable(merge(turn(first, 'a'), turn(first, 'b'))).toBe('a 9999ms (b|)');
      expectObservable(turn(second, 'x')).toBe('20000ms (x|)');
      expectObservable(turn(other, 'o')).toBe('(o|)');
    });
  });
});

describe('rateLimiter: late timers', () => {
  /** The test scheduler, with every timer firing `lateMs` after its due time, as on a busy event loop. */
  const lateScheduler = (scheduler: TestScheduler, lateMs: number): SchedulerLike => ({
    now: () => scheduler.now(),
    schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T) =>
      scheduler.schedule(work, delay + lateMs, state),
  });

  it('a turn released late by up to one interval keeps its place on the grid: lateness does not add up', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6000, scheduler: lateScheduler(scheduler, 3) }); // a turn every 10 ms
      const names = ['a', 'b', 'c', 'd'];
      // Due at 0, 10, 20, 30; each timer fires 3 ms late: 13, 23, 33 — not 13, 26, 39.
      expectObservable(merge(...names.map((name) => turn(limiter, name)))).toBe('a 12ms b 9ms c 9ms (d|)');
    });
  });

  it('a stall longer than one interval (and than the 20 ms catch-up) is not won back, so catching up never bunches many turns', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6000, scheduler: lateScheduler(scheduler, 25) });
      const names = ['a', 'b', 'c', 'd'];
      // Due at 10, fires at 35 and counts from there: due 45, fires 70; due 80, fires 105.
      expectObservable(merge(...names.map((name) => turn(limiter, name)))).toBe('a 34ms b 34ms c 34ms (d|)');
    });
  });
});

describe('rateLimiter: tokens per minute', () => {
  it('advances the token clock by cost × 60 000 / tpm, so token-heavy requests are spaced by their cost', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 0, scheduler }); // 1 token per ms
      expectObservable(merge(turn(limiter, 'a', 1000), turn(limiter, 'b', 500), turn(limiter, 'c', 2000))).toBe(
        'a 999ms b 499ms (c|)',
      );
    });
  });

  it('reaches, but never passes, the token bound tpm + max(tokenBurst, last cost) within [t, t + 60 s)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 0, scheduler });
      // 59 999 + 1000 tokens inside [0, 60 000): one short of tpm + 1000.
      expectObservable(merge(turn(limiter, 'a', 59_999), turn(limiter, 'b', 1000))).toBe('a 59998ms (b|)');
    });
  });

  it('lets a request start early by the token burst (default: one second of tpm)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, scheduler }); // tokenBurst 1000
      // a fills the bucket; b (500) fits once 500 have drained; c (2000 > bucket) waits until it is empty.
      expectObservable(merge(turn(limiter, 'a', 1000), turn(limiter, 'b', 500), turn(limiter, 'c', 2000))).toBe(
        'a 499ms b 999ms (c|)',
      );
    });
  });

  it('settle() with fewer tokens refunds them, so the next request goes sooner', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 0, scheduler });
      limiter.acquire({ tokens: 1000 }).subscribe((reservation) => {
        scheduler.schedule(() => reservation.settle(200), 100);
      });
      expectObservable(turn(limiter, 'b', 1000)).toBe('200ms (b|)'); // not 1000ms
    });
  });

  it('settle() with more tokens charges them, so the next request waits longer', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 0, scheduler });
      limiter.acquire({ tokens: 1000 }).subscribe((reservation) => {
        scheduler.schedule(() => reservation.settle(3000), 100);
      });
      expectObservable(turn(limiter, 'b', 1000)).toBe('3000ms (b|)');
    });
  });

  it('settle() corrects relative to what is charged: settling twice with one figure counts once', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 0, scheduler });
      limiter.acquire({ tokens: 1000 }).subscribe((reservation) => {
        reservation.settle(400);
        reservation.settle(400);
        reservation.settle(Number.NaN); // ignored
        reservation.settle(-5); // ignored
      });
      expectObservable(turn(limiter, 'b', 1000)).toBe('400ms (b|)');
    });
  });

  it('a request larger than the whole tpm goes alone once the token budget is idle, and does not deadlock', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 1000, scheduler }); // 60 ms per token, bucket of 16.7 tokens
      // a (10) fits the bucket; big (5000 = 5 × tpm) waits for a's 600 ms to drain, then goes;
      // c (10) waits for big's 300 000 ms less its bucket allowance (6.7 tokens = 400 ms).
      const requests = merge(turn(limiter, 'a', 10), turn(limiter, 'b', 5000), turn(limiter, 'c', 10));
      expectObservable(requests).toBe('a 599ms b 299599ms (c|)');
    });
  });

  it('an oversized request on an idle limiter goes at once', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 10, tpm: 1000, scheduler });
      expectObservable(turn(limiter, 'a', 1_000_000)).toBe('(a|)');
    });
  });

  it('serves waiters first in, first out: small requests do not overtake a big one', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 1000, scheduler });
      // c and d alone would fit at 10 ms; they queue behind b, which needs the bucket empty (at 1000 ms).
      const requests = merge(turn(limiter, 'a', 1000), turn(limiter, 'b', 5000), turn(limiter, 'c', 10), turn(limiter, 'd', 10));
      expectObservable(requests).toBe('a 999ms b 4009ms c 9ms (d|)');
    });
  });

  it('ignores token costs when no tpm is set', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6, burst: 2, scheduler });
      expectObservable(merge(turn(limiter, 'a', 1e9), turn(limiter, 'b', 1e9))).toBe('(ab|)');
    });
  });
});

describe('rateLimiter: pause and observe', () => {
  it('pause() holds every pipeline sharing the limiter, then they resume spaced', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6, scheduler });
      scheduler.schedule(() => limiter.pause(30_000), 5000); // until 35 000
      expectObservable(cold('abc|').pipe(concatTurns(limiter))).toBe('a 44999ms b 19999ms (c|)');
      expectObservable(cold('xyz|').pipe(concatTurns(limiter))).toBe('35000ms x 19999ms y 19999ms (z|)');
    });
  });

  it('after a pause the burst is not spent at once: requests resume one interval apart', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6, burst: 3, scheduler });
      limiter.pause(10_000);
      expectObservable(merge(turn(limiter, 'a'), turn(limiter, 'b'), turn(limiter, 'c'))).toBe(
        '10000ms a 9999ms b 9999ms (c|)',
      );
    });
  });

  it('pause() extends a pause in force but never shortens it; bad durations are ignored', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, scheduler });
      limiter.pause(10_000);
      scheduler.schedule(() => limiter.pause(2000), 1000); // would end at 3000: ignored
      scheduler.schedule(() => limiter.pause(20_000), 5000); // ends at 25 000
      for (const bad of [Number.NaN, -1, 0, Number.POSITIVE_INFINITY, '5' as unknown as number]) limiter.pause(bad);
      expectObservable(turn(limiter, 'a')).toBe('25000ms (a|)');
    });
  });

  it('a pause longer than the longest timer (about 24.8 days) still ends on time, without a busy loop', () => {
    const scheduler = new VirtualTimeScheduler();
    const limiter = rateLimiter({ rpm: 60, scheduler });
    const thirtyDays = 30 * 24 * 3_600_000;
    limiter.pause(thirtyDays);
    const grants: number[] = [];
    limiter.acquire({ tokens: 0 }).subscribe(() => grants.push(scheduler.now()));
    expect((scheduler.actions[0] as unknown as { delay: number }).delay).toBe(2_147_483_647);
    scheduler.flush();
    expect(grants).toEqual([thirtyDays]);
  });

  it('observe() pauses until the reset when no requests remain', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 600, scheduler });
      limiter.observe({ limitRequests: 600, remainingRequests: 0, resetRequestsMs: 20_000 });
      expectObservable(turn(limiter, 'a')).toBe('20000ms (a|)');
    });
  });

  it.each([
    ['tokens', { remainingTokens: 0, resetTokensMs: 7000 }],
    ['input tokens', { remainingInputTokens: 0, resetInputTokensMs: 7000 }],
    ['output tokens', { remainingOutputTokens: 0, resetOutputTokensMs: 7000 }],
    ['retry-after', { retryAfterMs: 7000, remainingRequests: 3 }],
    ['the longest of several', { retryAfterMs: 2000, remainingTokens: 0, resetTokensMs: 7000, remainingRequests: 0, resetRequestsMs: 10 }],
  ])('observe() pauses for exhausted %s', (_, info) => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 600, scheduler });
      limiter.observe(info);
      expectObservable(turn(limiter, 'a')).toBe('7000ms (a|)');
    });
  });

  it.each([
    ['requests, no reset header', { remainingRequests: 0 }],
    ['tokens, an unparsable reset', { remainingTokens: 0, resetTokensMs: Number.NaN }],
    ['input tokens, a negative reset', { remainingInputTokens: 0, resetInputTokensMs: -3 }],
    ['output tokens, an infinite reset', { limitOutputTokens: 8000, remainingOutputTokens: 0, resetOutputTokensMs: Number.POSITIVE_INFINITY }],
  ])('observe() with a remaining of 0 and no usable reset (%s) pauses for the whole 60 s window', (_, info) => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 600, scheduler });
      limiter.observe(info);
      expectObservable(turn(limiter, 'a')).toBe('60000ms (a|)');
    });
  });

  it('observe() with a remaining of 0 and no reset still honours a longer retry-after', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 600, scheduler });
      limiter.observe({ remainingRequests: 0, retryAfterMs: 90_000 });
      expectObservable(turn(limiter, 'a')).toBe('90000ms (a|)');
    });
  });

  it('observe() ignores undefined, garbage and budgets that are not exhausted', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 600, scheduler });
      const garbage: unknown[] = [
        undefined,
        null,
        'retry-after: 5',
        42,
        {},
        { remainingRequests: 1, resetRequestsMs: 5000 },
        { remainingRequests: '0', resetRequestsMs: 5000 },
        { retryAfterMs: Number.POSITIVE_INFINITY },
        { retryAfterMs: '5000' },
      ];
      for (const info of garbage) limiter.observe(info as never);
      expectObservable(turn(limiter, 'a')).toBe('(a|)');
    });
  });
});

describe('rateLimiter: cancellation', () => {
  it('a waiter that unsubscribes gives its turn back to the next one', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 2, scheduler });
      expectObservable(turn(limiter, 'a')).toBe('(a|)');
      expectObservable(turn(limiter, 'b'), '^ 9999ms !').toBe('');
      expectObservable(turn(limiter, 'c')).toBe('30000ms (c|)'); // b's slot, not 60 000
      expectObservable(turn(limiter, 'd')).toBe('60000ms (d|)');
    });
  });

  it('a waiter leaving from the middle of the queue moves later ones up', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6, scheduler });
      expectObservable(turn(limiter, 'a')).toBe('(a|)');
      expectObservable(turn(limiter, 'b')).toBe('10000ms (b|)');
      expectObservable(turn(limiter, 'c'), '^ 4999ms !').toBe('');
      expectObservable(turn(limiter, 'd')).toBe('20000ms (d|)');
    });
  });

  it('when the sleeping head leaves, the next waiter asks at once instead of at the old head\'s wake-up', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 1000, scheduler });
      expectObservable(turn(limiter, 'a', 1000)).toBe('(a|)');
      expectObservable(turn(limiter, 'b', 5000), '^ 99ms !').toBe(''); // would have gone at 1000 ms
      expectObservable(turn(limiter, 'c', 10)).toBe('100ms (c|)');
    });
  });

  it('keeps order through thousands of waiters, some leaving', () => {
    const scheduler = new VirtualTimeScheduler();
    const limiter = rateLimiter({ rpm: 60_000, scheduler }); // one per ms
    const granted: number[] = [];
    const subscriptions = Array.from({ length: 3000 }, (_, id) => limiter.acquire({ tokens: 0 }).subscribe(() => granted.push(id)));
    subscriptions.forEach((subscription, id) => id % 3 === 1 && subscription.unsubscribe());
    scheduler.flush();
    const expected = Array.from({ length: 3000 }, (_, id) => id).filter((id) => id % 3 !== 1);
    expect(granted).toEqual(expected);
    expect(scheduler.now()).toBe(expected.length - 1);
  });

  it('leaves no timer behind once every waiter is gone', () => {
    const scheduler = new VirtualTimeScheduler();
    const limiter = rateLimiter({ rpm: 1, scheduler });
    const granted: string[] = [];
    limiter.acquire({ tokens: 0 }).subscribe(() => granted.push('a'));
    const waiting = [1, 2, 3].map(() => limiter.acquire({ tokens: 0 }).subscribe(() => granted.push('late')));
    expect(scheduler.actions).toHaveLength(1); // only the head sleeps
    for (const subscription of waiting) subscription.unsubscribe();
    expect(scheduler.actions).toHaveLength(0);
    scheduler.flush();
    expect(granted).toEqual(['a']);
  });

  it('serves a waiter subscribed from inside another grant, in order', () => {
    const scheduler = createTestScheduler();
    const order: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6, burst: 2, scheduler });
      limiter.acquire({ tokens: 0 }).subscribe(() => {
        order.push('a');
        limiter.acquire({ tokens: 0 }).subscribe(() => order.push('a2'));
      });
      expectObservable(turn(limiter, 'b')).toBe('10000ms (b|)');
      scheduler.schedule(() => order.push('later'), 1);
    });
    expect(order).toEqual(['a', 'a2', 'later']);
  });
});

describe('rateLimiter: stores', () => {
  it('fails the waiting acquire with the error a store throws, and serves the next one', () => {
    const scheduler = new VirtualTimeScheduler();
    const memory = memoryLimiterStore();
    let failures = 1;
    const flaky: RateLimiterStore = {
      ...memory,
      reserve: (key, request, now) => {
        if (failures-- > 0) throw new Error('store down');
        return memory.reserve(key, request, now);
      },
    };
    const limiter = rateLimiter({ rpm: 60, store: flaky, scheduler });
    const events: string[] = [];
    limiter.acquire({ tokens: 0 }).subscribe({ next: () => events.push('a'), error: (e: Error) => events.push(e.message) });
    limiter.acquire({ tokens: 0 }).subscribe({ next: () => events.push('b') });
    expect(events).toEqual(['store down', 'b']);
  });

  it('a store that refuses without a usable wait is asked again 1 ms later, not in a tight loop', () => {
    const scheduler = new VirtualTimeScheduler();
    let calls = 0;
    const stubborn: RateLimiterStore = {
      reserve: () => (++calls < 3 ? { granted: false, waitMs: calls === 1 ? 0 : Number.NaN } : { granted: true, waitMs: 0 }),
      adjust: () => undefined,
      pauseUntil: () => undefined,
    };
    const grants: number[] = [];
    rateLimiter({ rpm: 60, scheduler, store: stubborn }).acquire({ tokens: 0 }).subscribe(() => grants.push(scheduler.now()));
    scheduler.flush();
    expect(grants).toEqual([2]);
  });

  it('works with an asynchronous store, in order, in virtual time', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { store, calls } = asyncStore();
    const limiter = rateLimiter({ rpm: 6, scheduler, store });
    const grants: [string, number][] = [];
    for (const name of ['a', 'b', 'c']) limiter.acquire({ tokens: 0 }).subscribe(() => grants.push([name, scheduler.now()]));
    await runVirtual(scheduler);
    expect(grants).toEqual([
      ['a', 0],
      ['b', 10_000],
      ['c', 20_000],
    ]);
    expect(calls.reserve).toBe(5); // a; b refused, b; c refused, c
  });

  it('with an asynchronous store, a rejected reserve fails that acquire and the next one is served', async () => {
    const scheduler = new VirtualTimeScheduler();
    const memory = memoryLimiterStore();
    let failures = 1;
    const store: RateLimiterStore = {
      ...memory,
      reserve: async (key, request, now) => {
        if (failures-- > 0) throw new Error('redis unavailable');
        return memory.reserve(key, request, now);
      },
    };
    const limiter = rateLimiter({ rpm: 60, scheduler, store });
    const events: string[] = [];
    limiter.acquire({ tokens: 0 }).subscribe({ next: () => events.push('a'), error: (e: Error) => events.push(e.message) });
    limiter.acquire({ tokens: 0 }).subscribe(() => events.push(`b at ${scheduler.now()}`));
    await runVirtual(scheduler);
    expect(events).toEqual(['redis unavailable', 'b at 0']);
  });

  it('with an asynchronous store, a waiter leaving while its turn is being taken hands the tokens back', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { store, calls } = asyncStore();
    const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 0, scheduler, store });
    const grants: [string, number][] = [];
    const leaving = limiter.acquire({ tokens: 5000 }).subscribe(() => grants.push(['gone', scheduler.now()]));
    limiter.acquire({ tokens: 1000 }).subscribe(() => grants.push(['b', scheduler.now()]));
    leaving.unsubscribe(); // its reserve call is in flight and will be granted
    await runVirtual(scheduler);
    expect(grants).toEqual([['b', 1]]); // the request slot (1 ms) stays spent, the 5000 tokens do not
    expect(calls.adjust).toEqual([-5000]);
  });

  it('with an asynchronous store, a refund while the head is being answered makes it ask again at once', async () => {
    const scheduler = new VirtualTimeScheduler();
    const { store } = asyncStore({ syncAdjust: true });
    const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 0, scheduler, store });
    let first: Reservation | undefined;
    limiter.acquire({ tokens: 1000 }).subscribe((reservation) => (first = reservation));
    await runVirtual(scheduler);
    const grants: number[] = [];
    limiter.acquire({ tokens: 1000 }).subscribe(() => grants.push(scheduler.now()));
    first?.settle(0); // refund while b's first reserve is in flight (it will be refused)
    await runVirtual(scheduler);
    expect(grants).toEqual([1]); // not 1000: the refund was seen
  });
});

describe('rateLimiter: validation', () => {
  it.each([
    [{}, 'rateLimiter() options.rpm'],
    [{ rpm: -1 }, 'rateLimiter() options.rpm'],
    [{ rpm: 0 }, 'rateLimiter() options.rpm'],
    [{ rpm: Number.POSITIVE_INFINITY }, 'rateLimiter() options.rpm'],
    [{ rpm: '500' }, 'rateLimiter() options.rpm'],
    [{ rpm: 10, tpm: 0 }, 'rateLimiter() options.tpm'],
    [{ rpm: 10, burst: 0 }, 'rateLimiter() options.burst'],
    [{ rpm: 10, burst: 1.5 }, 'rateLimiter() options.burst'],
    [{ rpm: 10, tokenBurst: -1 }, 'rateLimiter() options.tokenBurst'],
    [{ rpm: 10, scheduler: {} }, 'rateLimiter() options.scheduler'],
    [{ rpm: 10, store: { reserve: () => undefined } }, 'rateLimiter() options.store'],
    [{ rpm: 10, key: '' }, 'rateLimiter() options.key'],
    [{ rpm: 10, rmp: 10 }, 'Unrecognized key: "rmp"'],
  ])('rejects %j naming the field', (options, message) => {
    expect(() => rateLimiter(options as never)).toThrow(InvalidOptionsError);
    expect(() => rateLimiter(options as never)).toThrow(message);
  });

  it.each([{ tokens: -1 }, { tokens: Number.NaN }, { tokens: '5' }, null])('acquire(%j) fails with a clear error', (cost) => {
    const limiter = rateLimiter({ rpm: 10 });
    let error: unknown;
    limiter.acquire(cost as never).subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toContain('cost.tokens');
  });
});

/** Each value takes a turn, in order (one waiting at a time). */
function concatTurns(limiter: RateLimiter) {
  return concatMap((name: string) => turn(limiter, name));
}

/** The memory store answering through promises, counting calls. */
function asyncStore({ syncAdjust = false } = {}) {
  const memory = memoryLimiterStore();
  const calls = { reserve: 0, adjust: [] as number[] };
  const store: RateLimiterStore = {
    reserve: async (key, request, now) => {
      calls.reserve++;
      return memory.reserve(key, request, now);
    },
    adjust: (key, tokens, limits, now) => {
      calls.adjust.push(tokens);
      memory.adjust(key, tokens, limits, now);
      return syncAdjust ? undefined : Promise.resolve();
    },
    pauseUntil: async (key, until, limits, now) => memory.pauseUntil(key, until, limits, now),
  };
  return { store, calls };
}

/** Alternates settling promises and running virtual timers until neither has work left. */
async function runVirtual(scheduler: VirtualTimeScheduler): Promise<void> {
  for (let round = 0; round < 1000; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (scheduler.actions.length === 0) return;
    // Run only the earliest timer: later ones may depend on what its async store call answers.
    const [first] = scheduler.actions;
    const saved = scheduler.maxFrames;
    scheduler.maxFrames = first!.delay;
    scheduler.flush();
    scheduler.maxFrames = saved;
  }
  throw new Error('runVirtual: did not settle');
}
