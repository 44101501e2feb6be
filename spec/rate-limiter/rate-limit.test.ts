import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { rateLimit } from '../../src/rate-limiter/rate-limit.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';

const createTestScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('rateLimit', () => {
  it('releases values 60 000 / rpm ms apart, in order, dropping nothing', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 2, scheduler });
      expectObservable(cold('abc|').pipe(rateLimit(limiter))).toBe('a 29999ms b 29999ms (c|)');
    });
  });

  it('lets a burst through back to back, then spaces the rest', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 2, burst: 2, scheduler });
      expectObservable(cold('abc|').pipe(rateLimit(limiter))).toBe('ab 29998ms (c|)');
    });
  });

  it('passes values through at once when the budget allows', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60, scheduler });
      expectObservable(cold('a 1s b 5s c|').pipe(rateLimit(limiter))).toBe('a 1s b 5s c|');
    });
  });

  it('spaces values by their token cost', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60_000, tpm: 60_000, tokenBurst: 0, scheduler }); // 1 token per ms
      const costs: Record<string, number> = { a: 3000, b: 10, c: 10 };
      expectObservable(cold('abc|').pipe(rateLimit(limiter, (value) => ({ tokens: costs[value]! })))).toBe(
        'a 2999ms b 9ms (c|)',
      );
    });
  });

  it('shares the budget with every other pipeline on the same limiter', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6, scheduler });
      expectObservable(cold('ab|').pipe(rateLimit(limiter))).toBe('a 19999ms (b|)');
      expectObservable(cold('xy|').pipe(rateLimit(limiter))).toBe('10000ms x 19999ms (y|)');
    });
  });

  it('unsubscribing gives the waiting turn back to other pipelines', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = rateLimiter({ rpm: 2, scheduler });
      const source = cold('ab');
      expectObservable(source.pipe(rateLimit(limiter)), '^ 9999ms !').toBe('a');
      expectSubscriptions(source.subscriptions).toBe('^ 9999ms !');
      expectObservable(cold('10000ms x|').pipe(rateLimit(limiter))).toBe('30000ms (x|)');
    });
  });

  it('passes a source error through', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60, scheduler });
      const failure = new Error('source failed');
      expectObservable(cold<never>('a#', undefined, failure).pipe(rateLimit(limiter))).toBe('a#', undefined, failure);
    });
  });

  it('fails with the error a cost function throws, or an invalid cost', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const limiter = rateLimiter({ rpm: 60, tpm: 1000, scheduler });
      const failure = new Error('cannot price');
      const cost = (value: string) => {
        if (value === 'b') throw failure;
        return { tokens: 1 };
      };
      expectObservable(cold('ab|').pipe(rateLimit(limiter, cost))).toBe('a#', undefined, failure);
    });
    let error: unknown;
    createTestScheduler().run(({ cold }) => {
      cold('a|')
        .pipe(rateLimit(rateLimiter({ rpm: 60 }), () => ({ tokens: -1 })))
        .subscribe({ error: (e: unknown) => (error = e) });
    });
    expect((error as Error).message).toContain('cost.tokens');
  });
});
