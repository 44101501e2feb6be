import { defer, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { APIConnectionError, ResponseValidationError } from '../../src/errors/llm-error.js';
import { AuthenticationError, BadRequestError, EndpointNotReadyError, InsufficientCreditsError, RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import { backoffDelay, DEFAULT_RETRY, type RetryEvent, retryWithBackoff } from '../../src/model/retry-with-backoff.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const unavailable = new EndpointNotReadyError('down', { status: 503 });

describe('retryWithBackoff', () => {
  it('doubles the delay between attempts (jitter off), then gives up with the last error', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const call = cold('--#', undefined, unavailable);
      const options = { maxRetries: 2, initialDelayMs: 10, jitter: false, scheduler };
      expectObservable(call.pipe(retryWithBackoff(options))).toBe('36ms #', undefined, unavailable);
      expectSubscriptions(call.subscriptions).toBe(['^-!', '12ms ^-!', '34ms ^-!']);
    }));

  it('caps the delay at maxDelayMs', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const call = cold('#', undefined, unavailable);
      const options = { maxRetries: 4, initialDelayMs: 10, maxDelayMs: 25, jitter: false, scheduler };
      // delays 10, 20, 25, 25
      expectObservable(call.pipe(retryWithBackoff(options))).toBe('80ms #', undefined, unavailable);
      expectSubscriptions(call.subscriptions).toBe(['(^!)', '10ms (^!)', '30ms (^!)', '55ms (^!)', '80ms (^!)']);
    }));

  it('jitters each delay between half and all of it', () => {
    const policy = { ...DEFAULT_RETRY, initialDelayMs: 100 };
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 0.999_999)).toBe(100);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
    expect(backoffDelay(10, { ...policy, maxDelayMs: 1000 }, () => 0)).toBe(500);
    scheduler.run(({ cold, expectObservable }) => {
      const call = cold('#', undefined, unavailable);
      const options = { maxRetries: 2, initialDelayMs: 100, random: () => 0, scheduler };
      expectObservable(call.pipe(retryWithBackoff(options))).toBe('150ms #', undefined, unavailable); // 50 + 100
    });
  });

  it('waits exactly what the server asked (retry-after wins over backoff)', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const limited = new RateLimitError('slow', { status: 429, retryAfterMs: 50 });
      const call = cold('-#', undefined, limited);
      const options = { maxRetries: 1, initialDelayMs: 10, jitter: false, scheduler };
      expectObservable(call.pipe(retryWithBackoff(options))).toBe('52ms #', undefined, limited);
      expectSubscriptions(call.subscriptions).toBe(['^!', '51ms ^!']);
    }));

  it('fails at once when the server asks for longer than maxRetryAfterMs', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const limited = new RateLimitError('slow', { status: 429, retryAfterMs: 120_000 });
      const call = cold('--#', undefined, limited);
      expectObservable(call.pipe(retryWithBackoff({ maxRetryAfterMs: 60_000, scheduler }))).toBe('--#', undefined, limited);
      expectSubscriptions(call.subscriptions).toBe('^-!');
    }));

  it.each([
    ['a non-retryable error', new BadRequestError('bad', { status: 400 })],
    ['a validation error', new ResponseValidationError('garbage')],
    ['a fatal error', new AuthenticationError('no', { status: 401 })],
    ['a fatal error the server marked retryable', new InsufficientCreditsError('quota', { status: 429, retryable: true })],
    ['a server error marked x-should-retry: false', new ServerError('down', { status: 500, retryable: false })],
    ['an error that is not an LlmError', new Error('bug')],
  ])('passes %s through without retrying', (_, error) =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const call = cold('--#', undefined, error);
      expectObservable(call.pipe(retryWithBackoff({ maxRetries: 5, initialDelayMs: 1, scheduler }))).toBe('--#', undefined, error);
      expectSubscriptions(call.subscriptions).toBe('^-!');
    }));

  it('resubscribes until an attempt succeeds, reporting each retry', () => {
    const events: RetryEvent[] = [];
    const reset = new APIConnectionError('reset');
    scheduler.run(({ cold, expectObservable }) => {
      let attempts = 0;
      const source: Observable<string> = defer(() => (attempts++ < 2 ? cold('-#', undefined, reset) : cold('-a|')));
      const options = { initialDelayMs: 10, jitter: false, scheduler, onRetry: (event: RetryEvent) => events.push(event) };
      expectObservable(source.pipe(retryWithBackoff(options))).toBe('33ms a|'); // error at 1, +10, error at 12, +20, a at 33
    });
    expect(events).toEqual([
      { error: reset, retry: 1, delayMs: 10, serverAsked: false },
      { error: reset, retry: 2, delayMs: 20, serverAsked: false },
    ]);
  });

  it('never retries with maxRetries: 0', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const call = cold('-#', undefined, unavailable);
      expectObservable(call.pipe(retryWithBackoff({ maxRetries: 0, scheduler }))).toBe('-#', undefined, unavailable);
      expectSubscriptions(call.subscriptions).toBe('^!');
    }));

  it('cancels a pending wait when unsubscribed, with no further attempt', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const call = cold('-#', undefined, unavailable);
      expectObservable(call.pipe(retryWithBackoff({ initialDelayMs: 100, jitter: false, scheduler })), '^ 50ms !').toBe('');
      expectSubscriptions(call.subscriptions).toBe('^!');
    }));

  it('uses the documented defaults: 2 retries from 500 ms, capped at 8 s', () =>
    scheduler.run(({ cold, expectObservable }) => {
      expect(DEFAULT_RETRY).toEqual({ maxRetries: 2, initialDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000, jitter: true });
      const call = cold('#', undefined, unavailable);
      expectObservable(call.pipe(retryWithBackoff({ jitter: false, scheduler }))).toBe('1500ms #', undefined, unavailable);
    }));

  it('ignores options set to undefined', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const call = cold('#', undefined, unavailable);
      expectObservable(call.pipe(retryWithBackoff({ maxRetries: undefined, initialDelayMs: 10, jitter: false, scheduler }))).toBe('30ms #', undefined, unavailable);
    }));
});
