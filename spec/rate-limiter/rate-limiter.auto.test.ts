import { map, merge, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors/llm-error.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';
import type { RateLimiter, RequestCost } from '../../src/rate-limiter/rate-limiter-types.js';
import type { RateLimitInfo } from '../../src/types.js';

const createTestScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A turn that emits `name` when granted. */
const turn = (limiter: RateLimiter, name: string, cost: RequestCost = { tokens: 0 }): Observable<string> =>
  limiter.acquire(cost).pipe(map(() => name));

/** Four turns asked for at once. */
const four = (limiter: RateLimiter, cost?: RequestCost) =>
  merge(turn(limiter, 'a', cost), turn(limiter, 'b', cost), turn(limiter, 'c', cost), turn(limiter, 'd', cost));

describe("rateLimiter: rpm 'auto'", () => {
  it('starts conservatively, one request per second, until an answer says more', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 'auto', scheduler });
      expectObservable(four(limiter)).toBe('a 999ms b 999ms c 999ms (d|)');
    });
  });

  it('learns the pace from the first answer: remaining / time to reset', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 'auto', scheduler });
      // 50 requests left for 10 s: 300 rpm, one every 200 ms; the first answer ends the start at once (b at 10 ms).
      scheduler.schedule(() => limiter.observe({ remainingRequests: 50, resetRequestsMs: 10_000 }), 10);
      expectObservable(four(limiter)).toBe('a 9ms b 199ms c 199ms (d|)');
    });
  });

  it('slows down when other traffic on the key consumes the budget (remaining falls faster than this client spends)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 'auto', scheduler });
      scheduler.schedule(() => limiter.observe({ remainingRequests: 50, resetRequestsMs: 10_000 }), 10);
      // By 300 ms someone else has spent most of it: 9 left for 9 s is 60 rpm, one a second (from the turn after d,
      // whose slot c's grant had already set).
      scheduler.schedule(() => limiter.observe({ remainingRequests: 9, resetRequestsMs: 9_000 }), 300);
      expectObservable(merge(four(limiter), turn(limiter, 'e'))).toBe('a 9ms b 199ms c 199ms d 999ms (e|)');
    });
  });

  it('never paces above the limit a response announces, however soon the reset', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 'auto', scheduler });
      // OpenAI-style: 499 of 500 left, full again in 120 ms; remaining / reset would be 249 500 rpm.
      scheduler.schedule(() => limiter.observe({ limitRequests: 500, remainingRequests: 499, resetRequestsMs: 120 }), 10);
      expectObservable(four(limiter)).toBe('a 9ms b 119ms c 119ms (d|)');
    });
  });

  it('does not pace a per-minute budget from a per-day request count (Groq)', () => {
    const scheduler = createTestScheduler();
    const seen: unknown[] = [];
    scheduler.run(() => {
      const perDay = rateLimiter({ rpm: 'auto', scheduler });
      const unlabelled = rateLimiter({ rpm: 'auto', scheduler });
      const info: RateLimitInfo = { limitRequests: 14_400, remainingRequests: 14_399, resetRequestsMs: 6_000 };
      scheduler.schedule(() => {
        perDay.observe({ ...info, windowRequestsMs: 86_400_000 });
        unlabelled.observe(info);
        seen.push(perDay.limitsInForce!().rpm, unlabelled.limitsInForce!().rpm);
      }, 10);
    });
    expect(seen).toEqual([
      { value: Number.POSITIVE_INFINITY, source: 'adapted' },
      { value: 14_400, source: 'headers' },
    ]);
  });

  it('sets no limit once an answer carries no budget headers: only 429s slow it then', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 'auto', scheduler });
      scheduler.schedule(() => limiter.observe(undefined), 10);
      // The answer ends the start; after it nothing holds the turns back.
      expectObservable(four(limiter)).toBe('a 9ms (bcd|)');
    });
  });

  it('a token budget the server does not report limits nothing once the request budget is learned', () => {
    const scheduler = createTestScheduler();
    const paces: number[] = [];
    scheduler.run(() => {
      const limiter = rateLimiter({ rpm: 'auto', tpm: 'auto', scheduler });
      paces.push(limiter.limitsInForce!().rpm.value);
      scheduler.schedule(() => {
        limiter.observe({ limitRequests: 600, remainingRequests: 599, resetRequestsMs: 100 });
        paces.push(limiter.limitsInForce!().rpm.value);
      }, 10);
    });
    expect(paces).toEqual([60, 600]);
  });

  it('an exhausted budget still pauses everyone until its reset', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 'auto', scheduler });
      scheduler.schedule(() => limiter.observe({ remainingRequests: 0, resetRequestsMs: 5_000 }), 10);
      expectObservable(merge(turn(limiter, 'a'), turn(limiter, 'b'))).toBe('a 5009ms (b|)');
    });
  });
});

describe("rateLimiter: tpm 'auto' under a configured rpm", () => {
  it('paces requests at the learned tokens per minute ÷ tokens per request', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 600, tpm: 'auto', scheduler });
      // 10 000 tokens left for a minute, 1 000 a request: 10 rpm, one every 6 s.
      scheduler.schedule(() => limiter.observe({ remainingTokens: 10_000, resetTokensMs: 60_000 }), 10);
      expectObservable(four(limiter, { tokens: 1_000 })).toBe('a 99ms b 5999ms c 5999ms (d|)'); // b: the 600 rpm ceiling
    });
  });

  it('never exceeds the configured rpm, however much the headers say is left', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 120, tpm: 'auto', scheduler });
      scheduler.schedule(() => limiter.observe({ remainingTokens: 1e9, resetTokensMs: 1_000, remainingRequests: 1e6, resetRequestsMs: 1_000 }), 10);
      expectObservable(four(limiter, { tokens: 10 })).toBe('a 499ms b 499ms c 499ms (d|)');
    });
  });

  it('reports each limit in force and where it came from', () => {
    const scheduler = createTestScheduler();
    const reports: unknown[] = [];
    scheduler.run(() => {
      const limiter = rateLimiter({ rpm: 600, tpm: 'auto', inputTpm: 50_000, scheduler });
      reports.push(limiter.limitsInForce!());
      scheduler.schedule(() => {
        limiter.acquire({ tokens: 100 }).subscribe();
        limiter.observe({ remainingTokens: 300_000, resetTokensMs: 60_000 });
        limiter.refused!({ remainingRequests: 5 });
        reports.push(limiter.limitsInForce!());
      }, 10);
    });
    expect(reports).toEqual([
      { rpm: { value: 60, source: 'adapted' }, inputTpm: { value: 50_000, source: 'configured' } },
      {
        rpm: { value: 600, source: 'configured' },
        tpm: { value: 300_000, source: 'headers' },
        inputTpm: { value: 50_000, source: 'configured' },
      },
    ]);
  });
});

describe('rateLimiter: inputTpm and outputTpm', () => {
  it('counts input tokens against inputTpm', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // 6 000 input tokens a minute (100 a second, a bucket of 100): 200 input tokens take 2 s each.
      const limiter = rateLimiter({ rpm: 6_000, inputTpm: 6_000, outputTpm: 600_000, scheduler });
      expectObservable(four(limiter, { tokens: 300, inputTokens: 200, outputTokens: 100 })).toBe('a 1999ms b 1999ms c 1999ms (d|)');
    });
  });

  it('counts output tokens against outputTpm, and a settle refunds the output not produced', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6_000, inputTpm: 600_000, outputTpm: 6_000, scheduler });
      const cost = { tokens: 300, inputTokens: 100, outputTokens: 200 };
      // a reserves 200 output tokens (2 s of the budget) but produces 50: b waits 0.5 s instead of 2 s.
      const a = limiter.acquire(cost).pipe(map((reservation) => (reservation.settle(150, { inputTokens: 100, outputTokens: 50 }), 'a')));
      expectObservable(merge(a, turn(limiter, 'b', cost), turn(limiter, 'c', cost))).toBe('a 499ms b 1999ms (c|)');
    });
  });

  it("paces from Anthropic's input-token headers with inputTpm 'auto'", () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const limiter = rateLimiter({ rpm: 6_000, inputTpm: 'auto', scheduler });
      // 20 000 input tokens left for 30 s is 40 000 a minute; at 1 000 a request, 40 rpm: one every 1.5 s.
      scheduler.schedule(() => limiter.observe({ limitInputTokens: 40_000, remainingInputTokens: 20_000, resetInputTokensMs: 30_000 }), 10);
      expectObservable(four(limiter, { tokens: 1_100, inputTokens: 1_000, outputTokens: 100 })).toBe('a 9ms b 1499ms c 1499ms (d|)');
    });
  });

  it.each([
    [{ rpm: 'fast' }, 'rateLimiter() options.rpm'],
    [{ rpm: 10, tpm: 'Auto' }, 'rateLimiter() options.tpm'],
    [{ rpm: 10, inputTpm: -1 }, 'rateLimiter() options.inputTpm'],
    [{ rpm: 10, outputTpm: 0 }, 'rateLimiter() options.outputTpm'],
  ])('rejects %j naming the field', (options, message) => {
    expect(() => rateLimiter(options as never)).toThrow(InvalidOptionsError);
    expect(() => rateLimiter(options as never)).toThrow(message);
  });

  it('refuses a negative input or output part naming it', () => {
    const limiter = rateLimiter({ rpm: 10, inputTpm: 100 });
    let error: unknown;
    limiter.acquire({ tokens: 5, inputTokens: -1 }).subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toContain('cost.inputTokens');
  });
});
