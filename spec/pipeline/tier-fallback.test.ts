import { from } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorFromResponse } from '../../src/errors/from-response.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { progressTracker } from '../../src/progress/progress-tracker.js';
import type { ChatResult, Prompt, ProviderRequest } from '../../src/types.js';
import { fakeModel, promptOf, reply } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const retry = { maxRetries: 3, jitter: false, initialDelayMs: 10 };
// A capacity refusal with budget left in its headers (so not a rate limit), and a model lacking the tier.
const capacity = () => errorFromResponse({ status: 429, provider: 'fake', body: {}, tier: 'flex', tierRefusal: 'capacity', rateLimit: { remainingRequests: 9, limitRequests: 10 } });
const unsupported = () => errorFromResponse({ status: 400, provider: 'fake', body: {}, tier: 'flex', tierRefusal: 'unsupported' });
const answer = (request: ProviderRequest) => reply(promptOf(request), undefined, { serviceTier: request.params.serviceTier ?? 'default' });
const ok = (index: number, prompt: Prompt, attempts: number, serviceTier = 'default'): ChatResult => ({
  index, prompt, ok: true, attempts, response: reply(prompt as string, undefined, { serviceTier }),
});
const tiersSent = (requests: readonly ProviderRequest[]) => requests.map((request) => `${promptOf(request)}:${request.params.serviceTier}`);

describe('tierFallback', () => {
  it('sends an item at the fallback tier after afterRefusals capacity refusals, backing off, never pausing the limiter', () =>
    scheduler.run(({ cold, expectObservable, flush }) => {
      const { model, provider } = fakeModel({
        chat: (request) => (request.params.serviceTier === 'flex' ? cold('5ms #', undefined, capacity()) : cold('5ms (r|)', { r: answer(request) })),
      });
      const limiter = recordingLimiter();
      const progress = progressTracker({ scheduler });
      const results = from(['a']).pipe(
        chatEach(model, { params: { serviceTier: 'flex' }, retry, limiter, progress, scheduler, tierFallback: { tier: 'default', afterRefusals: 2 } }),
      );
      // flex 0-5 refused, wait 10; flex 15-20 refused, wait 20; default 40-45 answered
      expectObservable(results).toBe('45ms (r|)', { r: ok(0, 'a', 3) });
      flush();
      expect(tiersSent(provider.requests)).toEqual(['a:flex', 'a:flex', 'a:default']);
      expect(limiter.log.paused).toEqual([]);
      expect(limiter.log.refused).toEqual([]);
      expect(progress.snapshot()).toMatchObject({ capacityRefusals: 2, rateLimitRefusals: 0, retries: 2 });
    }));

  it('sends every unanswered item at the fallback tier from the deadline on (ms from the start)', () =>
    scheduler.run(({ cold, expectObservable, flush }) => {
      const { model, provider } = fakeModel({
        chat: (request) => (request.params.serviceTier === 'flex' ? cold('5ms #', undefined, capacity()) : cold('5ms (r|)', { r: answer(request) })),
      });
      const results = from(['a', 'b']).pipe(
        chatEach(model, { maxActive: 1, params: { serviceTier: 'flex' }, retry, limiter: recordingLimiter(), scheduler, tierFallback: { tier: 'default', afterRefusals: 10, deadline: 30 } }),
      );
      // a: flex 0-5, flex 15-20, then (past 30) default 40-45; b starts at 45, past the deadline: default at once
      expectObservable(results).toBe('45ms a 4ms (b|)', { a: ok(0, 'a', 3), b: ok(1, 'b', 1) });
      flush();
      expect(tiersSent(provider.requests)).toEqual(['a:flex', 'a:flex', 'a:default', 'b:default']);
    }));

  it('takes a Date as the deadline', () =>
    scheduler.run(({ cold, expectObservable, flush }) => {
      const { model, provider } = fakeModel({ chat: (request) => cold('5ms (r|)', { r: answer(request) }) });
      const results = from(['a']).pipe(
        chatEach(model, { params: { serviceTier: 'flex' }, limiter: recordingLimiter(), scheduler, tierFallback: { tier: 'default', deadline: new Date(0) } }),
      );
      expectObservable(results).toBe('5ms (r|)', { r: ok(0, 'a', 1) });
      flush();
      expect(tiersSent(provider.requests)).toEqual(['a:default']);
    }));

  it('switches a model that lacks the tier to the fallback once for the run, with one warning, re-sending its refused items at once', () =>
    scheduler.run(({ cold, expectObservable, flush }) => {
      const { model, provider } = fakeModel({
        chat: (request) => (request.params.serviceTier === 'flex' ? cold('5ms #', undefined, unsupported()) : cold('5ms (r|)', { r: answer(request) })),
      });
      const progress = progressTracker({ scheduler });
      const results = from(['a', 'b', 'c']).pipe(
        chatEach(model, { maxActive: 2, params: { serviceTier: 'flex' }, retry, limiter: recordingLimiter(), progress, scheduler, tierFallback: { tier: 'default' } }),
      );
      // a, b: flex 0-5 refused (400), re-sent at default 5-10; c starts at 10 at default
      expectObservable(results).toBe('10ms (ab) 1ms (c|)', { a: ok(0, 'a', 2), b: ok(1, 'b', 2), c: ok(2, 'c', 1) });
      flush();
      expect(tiersSent(provider.requests)).toEqual(['a:flex', 'b:flex', 'a:default', 'b:default', 'c:default']);
      expect(progress.snapshot().tierSwitches).toEqual(['fake/fake-model does not offer service tier "flex": sent at "default" for the rest of the run']);
      expect(progress.snapshot().failed).toBe(0);
    }));

  it('fails an item whose model lacks the tier when there is no fallback, without retrying', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const error = unsupported();
      const { model } = fakeModel({ chat: () => cold('5ms #', undefined, error) });
      const results = from(['a']).pipe(chatEach(model, { params: { serviceTier: 'flex' }, retry, limiter: recordingLimiter(), scheduler }));
      expectObservable(results).toBe('5ms (r|)', { r: { index: 0, prompt: 'a', ok: false, error, attempts: 1 } });
    }));

  it('refuses a malformed tierFallback, naming the field', () => {
    const { model } = fakeModel();
    expect(() => chatEach(model, { tierFallback: { tier: 'default', afterRefusals: 0 } })).toThrow(/tierFallback\.afterRefusals/);
    expect(() => chatEach(model, { tierFallback: { tier: '' } })).toThrow(/tierFallback\.tier/);
  });
});
