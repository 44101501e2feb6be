import { from, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError, type LlmError } from '../../src/errors/llm-error.js';
import { AuthenticationError, BadRequestError, InsufficientCreditsError, RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import { estimateInputTokens } from '../../src/model/estimate-tokens.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { progressTracker } from '../../src/progress/progress-tracker.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';
import type { ChatResponse, ChatResult, Prompt } from '../../src/types.js';
import { fakeModel, promptOf, reply } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const noJitter = { jitter: false, initialDelayMs: 10 };
const serverError = () => new ServerError('fake answered 503', { status: 503, provider: 'fake' });
const ok = (index: number, prompt: Prompt, response: ChatResponse, attempts = 1): ChatResult => ({ index, prompt, ok: true, response, attempts });
const failed = (index: number, prompt: Prompt, error: LlmError, attempts = 1): ChatResult => ({ index, prompt, ok: false, error, attempts });

/** A fake model whose call for prompt `p` is `calls[p]`. */
function scripted(calls: Record<string, Observable<ChatResponse>>) {
  return fakeModel({ chat: (request) => calls[promptOf(request)]! });
}

describe('chatEach', () => {
  it('keeps at most maxActive requests open and emits in completion order, tagged with input indices', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const [A, B, C, D] = [reply('A'), reply('B'), reply('C'), reply('D')];
      const calls = {
        a: cold('10ms (r|)', { r: A }),
        b: cold('5ms (r|)', { r: B }),
        c: cold('10ms (r|)', { r: C }),
        d: cold('1ms (r|)', { r: D }),
      };
      const { model } = scripted(calls);
      const results = from(['a', 'b', 'c', 'd']).pipe(chatEach(model, { maxActive: 2, limiter: recordingLimiter() }));
      expectObservable(results).toBe('5ms b 4ms a d 3ms (c|)', {
        a: ok(0, 'a', A),
        b: ok(1, 'b', B),
        c: ok(2, 'c', C),
        d: ok(3, 'd', D),
      });
      expectSubscriptions(calls.a.subscriptions).toBe('^ 9ms !');
      expectSubscriptions(calls.b.subscriptions).toBe('^ 4ms !');
      expectSubscriptions(calls.c.subscriptions).toBe('5ms ^ 9ms !');
      expectSubscriptions(calls.d.subscriptions).toBe('10ms ^ !');
    }));

  it("delivers an answer at once and frees its slot when the provider completes (the transport: once the socket is free)", () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const [A, B] = [reply('A'), reply('B')];
      const calls = { a: cold('2ms r 3ms |', { r: A }), b: cold('2ms (r|)', { r: B }) };
      const { model } = scripted(calls);
      const results = from(['a', 'b']).pipe(chatEach(model, { maxActive: 1, limiter: recordingLimiter() }));
      expectObservable(results).toBe('2ms a 5ms (b|)', { a: ok(0, 'a', A), b: ok(1, 'b', B) });
      expectSubscriptions(calls.b.subscriptions).toBe('6ms ^ 1ms !');
    }));

  it('keeps an answer when the provider fails after it, without a retry', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const A = reply('A');
      const call = cold('2ms r 1ms #', { r: A }, serverError());
      const { model } = fakeModel({ chat: () => call });
      const results = from(['a']).pipe(chatEach(model, { limiter: recordingLimiter(), retry: noJitter }));
      expectObservable(results).toBe('2ms a 1ms |', { a: ok(0, 'a', A) });
      expectSubscriptions(call.subscriptions).toBe('^ 3ms !');
    }));

  it('spaces requests by rpm with its own limiter', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const R = reply('R');
      const call = cold('(r|)', { r: R });
      const { model } = fakeModel({ chat: () => call });
      const results = from(['a', 'b', 'c']).pipe(chatEach(model, { rpm: 600 }));
      expectObservable(results).toBe('a 99ms b 99ms (c|)', { a: ok(0, 'a', R), b: ok(1, 'b', R), c: ok(2, 'c', R) });
    }));

  it('makes every attempt, retries included, take a turn from the limiter', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const R = reply('R');
      const error = serverError();
      const call = cold<never>('5ms #', undefined, error);
      const second = cold('(r|)', { r: R });
      let calls = 0;
      const { model } = fakeModel({ chat: () => (calls++ === 0 ? call : second) });
      const limiter = recordingLimiter(rateLimiter({ rpm: 60 }));
      const results = from(['a']).pipe(chatEach(model, { limiter, retry: noJitter }));
      // The retry is due at 15 ms but the limiter's next turn is at 1000 ms.
      expectObservable(results).toBe('1000ms (a|)', { a: ok(0, 'a', R, 2) });
      expectSubscriptions(call.subscriptions).toBe('^ 4ms !');
      expectSubscriptions(second.subscriptions).toBe('1000ms (^!)');
      flush();
      expect(limiter.log.acquired).toHaveLength(2);
    }));

  it('reserves the input estimate plus maxTokens (or the default allowance) and settles with the real usage', () =>
    scheduler.run(({ cold, flush }) => {
      const usage = { inputTokens: 7, outputTokens: 3 };
      const good = cold('(r|)', { r: reply('R', usage) });
      const bad = cold<never>('#', undefined, new BadRequestError('no', { status: 400 }));
      const { model } = fakeModel({ chat: (request) => (promptOf(request) === 'bad' ? bad : good) });
      const limiter = recordingLimiter();
      const prompts: Prompt[] = ['short', { messages: [{ role: 'user', content: 'capped' }], params: { maxTokens: 50 } }, 'bad'];
      from(prompts).pipe(chatEach(model, { limiter, defaultOutputTokens: 200 })).subscribe();
      flush();
      const estimate = (content: string) => estimateInputTokens([{ role: 'user', content }]);
      // Each cost names its input and output parts, for separate input and output budgets (inputTpm, outputTpm).
      expect(limiter.log.acquired).toEqual([
        { tokens: estimate('short') + 200, inputTokens: estimate('short'), outputTokens: 200 },
        { tokens: estimate('capped') + 50, inputTokens: estimate('capped'), outputTokens: 50 },
        { tokens: estimate('bad') + 200, inputTokens: estimate('bad'), outputTokens: 200 },
      ]);
      // Successes settle with input + output; the failure keeps only its input estimate.
      expect(limiter.log.settled).toEqual([10, 10, estimate('bad')]);
      expect(limiter.log.settledParts).toEqual([
        { inputTokens: 7, outputTokens: 3 },
        { inputTokens: 7, outputTokens: 3 },
        { inputTokens: estimate('bad'), outputTokens: 0 },
      ]);
    }));

  it('uses a default allowance of 1024 output tokens', () =>
    scheduler.run(({ cold, flush }) => {
      const { model } = fakeModel({ chat: () => cold('(r|)', { r: reply('R') }) });
      const limiter = recordingLimiter();
      from(['hi']).pipe(chatEach(model, { limiter })).subscribe();
      flush();
      const input = estimateInputTokens([{ role: 'user', content: 'hi' }]);
      expect(limiter.log.acquired).toEqual([{ tokens: input + 1024, inputTokens: input, outputTokens: 1024 }]);
    }));

  it('retries with doubling delays and counts the attempts', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = serverError();
      const call = cold<never>('2ms #', undefined, error);
      const { model } = fakeModel({ chat: () => call });
      const results = from(['a']).pipe(chatEach(model, { limiter: recordingLimiter(), retry: { ...noJitter, maxRetries: 2 } }));
      // Attempts at 0, 12 (2 + 10) and 34 (14 + 20); the last fails at 36.
      expectObservable(results).toBe('36ms (a|)', { a: failed(0, 'a', error, 3) });
      expectSubscriptions(call.subscriptions).toBe(['^ 1ms !', '12ms ^ 1ms !', '34ms ^ 1ms !']);
    }));

  it("takes retry policy field by field over the model's own", () =>
    scheduler.run(({ cold, expectObservable }) => {
      const error = serverError();
      const call = cold<never>('2ms #', undefined, error);
      const { model } = fakeModel({ chat: () => call }, { retry: { maxRetries: 1, initialDelayMs: 1000, jitter: false } });
      const results = from(['a']).pipe(chatEach(model, { limiter: recordingLimiter(), retry: { initialDelayMs: 10 } }));
      expectObservable(results).toBe('14ms (a|)', { a: failed(0, 'a', error, 2) });
    }));

  it('waits what Retry-After asks instead of the backoff, and reports the 429 to the limiter', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const R = reply('R');
      const limited = new RateLimitError('fake answered 429', { status: 429, retryAfterMs: 300 });
      const first = cold<never>('5ms #', undefined, limited);
      const second = cold('(r|)', { r: R });
      let calls = 0;
      const { model } = fakeModel({ chat: () => (calls++ === 0 ? first : second) });
      const limiter = recordingLimiter();
      const results = from(['a']).pipe(chatEach(model, { limiter, retry: noJitter }));
      expectObservable(results).toBe('305ms (a|)', { a: ok(0, 'a', R, 2) });
      expectSubscriptions(second.subscriptions).toBe('305ms (^!)');
      flush();
      expect(limiter.log.refused).toEqual([{ info: { retryAfterMs: 300 }, sentAt: undefined }]);
      expect(limiter.log.paused).toEqual([]);
    }));

  /** a, b, c at one turn per 10 ms; a's first attempt is answered `refusal` at 5 ms, its retry succeeds. */
  const refusedOnce = (cold: TestScheduler['createColdObservable'], refusal: LlmError) => {
    const R = reply('R');
    const calls = { aFirst: cold<never>('5ms #', undefined, refusal), aRetry: cold('(r|)', { r: R }), b: cold('(r|)', { r: R }), c: cold('(r|)', { r: R }) };
    let aCalls = 0;
    const { model } = fakeModel({
      chat: (request) => {
        const prompt = promptOf(request);
        if (prompt === 'a') return aCalls++ === 0 ? calls.aFirst : calls.aRetry;
        return prompt === 'b' ? calls.b : calls.c;
      },
    });
    return { calls, model };
  };

  it('pause rule: a 429 whose own headers show remaining 0 pauses the whole pipeline, then turns resume spaced', () =>
    scheduler.run(({ cold, expectSubscriptions }) => {
      const rateLimit = { limitRequests: 6000, remainingRequests: 0, resetRequestsMs: 1000, retryAfterMs: 1000 };
      const { calls, model } = refusedOnce(cold, new RateLimitError('fake answered 429', { status: 429, retryAfterMs: 1000, rateLimit }));
      // 10 ms spacing: b was due at 10 ms and c at 20 ms, but the pause at 5 ms holds everyone until 1005 ms.
      from(['a', 'b', 'c']).pipe(chatEach(model, { rpm: 6000, retry: noJitter })).subscribe();
      expectSubscriptions(calls.aFirst.subscriptions).toBe('^ 4ms !');
      expectSubscriptions(calls.b.subscriptions).toBe('1005ms (^!)');
      expectSubscriptions(calls.c.subscriptions).toBe('1015ms (^!)');
      expectSubscriptions(calls.aRetry.subscriptions).toBe('1025ms (^!)');
    }));

  it('pause rule: a 429 whose own headers show budget left delays only its item; the others keep their turns', () =>
    scheduler.run(({ cold, expectSubscriptions }) => {
      const rateLimit = { limitRequests: 6000, remainingRequests: 4321, resetRequestsMs: 1000, retryAfterMs: 1000 };
      const { calls, model } = refusedOnce(cold, new RateLimitError('fake answered 429', { status: 429, retryAfterMs: 1000, rateLimit }));
      from(['a', 'b', 'c']).pipe(chatEach(model, { rpm: 6000, retry: noJitter })).subscribe();
      expectSubscriptions(calls.b.subscriptions).toBe('10ms (^!)');
      expectSubscriptions(calls.c.subscriptions).toBe('20ms (^!)');
      expectSubscriptions(calls.aRetry.subscriptions).toBe('1005ms (^!)'); // its own retry-after, then a free turn
    }));

  it('pause rule: a 429 to a request sent before the current pause began neither extends it nor starts another', () =>
    scheduler.run(({ cold, expectSubscriptions }) => {
      const exhausted = (resetMs: number) =>
        new RateLimitError('fake answered 429', { status: 429, retryAfterMs: resetMs, rateLimit: { remainingRequests: 0, resetRequestsMs: resetMs, retryAfterMs: resetMs } });
      const R = reply('R');
      const calls = {
        a: cold<never>('15ms #', undefined, exhausted(1000)), // sent at 0, refused at 15: pause until 1015
        b: cold<never>('10ms #', undefined, exhausted(5000)), // sent at 10 (before the pause), refused at 20
        c: cold('(r|)', { r: R }),
      };
      const { model } = scripted(calls);
      from(['a', 'b', 'c']).pipe(chatEach(model, { rpm: 6000, retry: { ...noJitter, maxRetries: 0 } })).subscribe();
      expectSubscriptions(calls.b.subscriptions).toBe('10ms ^ 9ms !');
      expectSubscriptions(calls.c.subscriptions).toBe('1015ms (^!)'); // not 5020 ms
    }));

  it('pause rule: a 429 with no budget headers pauses nobody; only its item waits its backoff, then its turn', () =>
    scheduler.run(({ cold, expectSubscriptions }) => {
      const { calls, model } = refusedOnce(cold, new RateLimitError('fake answered 429', { status: 429 }));
      from(['a', 'b', 'c']).pipe(chatEach(model, { rpm: 6000, retry: noJitter })).subscribe();
      // b and c keep their slots at 10 and 20 ms; a's retry, asked at 15 ms after its 10 ms backoff, goes at 30.
      expectSubscriptions(calls.b.subscriptions).toBe('10ms (^!)');
      expectSubscriptions(calls.c.subscriptions).toBe('20ms (^!)');
      expectSubscriptions(calls.aRetry.subscriptions).toBe('30ms (^!)');
    }));

  it('shares one limiter between pipelines: one queue of turns, and a 429 with remaining 0 in one pauses the other', () =>
    scheduler.run(({ cold, expectSubscriptions }) => {
      const R = reply('R');
      const limited = new RateLimitError('fake answered 429', { status: 429, retryAfterMs: 500, rateLimit: { remainingTokens: 0, retryAfterMs: 500 } });
      const calls = {
        a: cold<never>('5ms #', undefined, limited),
        b: cold('(r|)', { r: R }),
        x: cold('(r|)', { r: R }),
        y: cold('(r|)', { r: R }),
      };
      const { model } = scripted(calls);
      const limiter = rateLimiter({ rpm: 6000 }); // one turn per 10 ms, for both pipelines
      from(['a', 'b']).pipe(chatEach(model, { limiter, retry: { ...noJitter, maxRetries: 0 } })).subscribe();
      from(['x', 'y']).pipe(chatEach(model, { limiter })).subscribe();
      // Turns go in request order (a, b, x, y), one per 10 ms, but a's 429 at 5 ms holds everyone until 505 ms.
      expectSubscriptions(calls.a.subscriptions).toBe('^ 4ms !');
      expectSubscriptions(calls.b.subscriptions).toBe('505ms (^!)');
      expectSubscriptions(calls.x.subscriptions).toBe('515ms (^!)');
      expectSubscriptions(calls.y.subscriptions).toBe('525ms (^!)');
    }));

  it('reserves tokens from tpm and gives back what the answer did not use, so the next request goes sooner', () =>
    scheduler.run(({ cold, expectSubscriptions }) => {
      const calls = {
        a: cold('10ms (r|)', { r: reply('A', { inputTokens: 10, outputTokens: 5 }) }),
        b: cold('(r|)', { r: reply('B') }),
      };
      const { model } = scripted(calls);
      // 1,000 tokens a second: a reserves 1,008 (8 estimated + 1,000 allowance), which would hold b for ~1 s;
      // a's answer used 15, so b goes at 15 ms.
      from(['a', 'b']).pipe(chatEach(model, { rpm: Infinity, tpm: 60_000, defaultOutputTokens: 1000 })).subscribe();
      expectSubscriptions(calls.a.subscriptions).toBe('^ 9ms !');
      expectSubscriptions(calls.b.subscriptions).toBe('15ms (^!)');
    }));

  it('feeds rate-limit headers of each response to the limiter', () =>
    scheduler.run(({ cold, flush }) => {
      const rateLimit = { remainingRequests: 0, resetRequestsMs: 500 };
      const { model } = fakeModel({ chat: () => cold('(r|)', { r: reply('R', undefined, { rateLimit }) }) });
      const limiter = recordingLimiter();
      from(['a']).pipe(chatEach(model, { limiter })).subscribe();
      flush();
      expect(limiter.log.observed).toEqual([rateLimit]);
    }));

  it("with onError 'continue' (the default) turns failures into results and goes on", () =>
    scheduler.run(({ cold, expectObservable }) => {
      const R = reply('R');
      const error = new BadRequestError('fake answered 400', { status: 400 });
      const calls = { a: cold<never>('5ms #', undefined, error), b: cold('10ms (r|)', { r: R }), c: cold('1ms (r|)', { r: R }) };
      const { model } = scripted(calls);
      const results = from(['a', 'b', 'c']).pipe(chatEach(model, { maxActive: 1, limiter: recordingLimiter() }));
      expectObservable(results).toBe('5ms a 9ms b (c|)', { a: failed(0, 'a', error), b: ok(1, 'b', R), c: ok(2, 'c', R) });
    }));

  it("with onError 'return' submits nothing new after the first failure and completes when in-flight requests finish", () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const R = reply('R');
      const error = new BadRequestError('fake answered 400', { status: 400 });
      const calls = {
        a: cold<never>('5ms #', undefined, error),
        b: cold('20ms (r|)', { r: R }),
        c: cold('(r|)', { r: R }),
        d: cold('(r|)', { r: R }),
      };
      const { model } = scripted(calls);
      const results = from(['a', 'b', 'c', 'd']).pipe(chatEach(model, { maxActive: 2, limiter: recordingLimiter(), onError: 'return' }));
      expectObservable(results).toBe('5ms a 14ms (b|)', { a: failed(0, 'a', error), b: ok(1, 'b', R) });
      expectSubscriptions(calls.b.subscriptions).toBe('^ 19ms !');
      expectSubscriptions(calls.c.subscriptions).toBe([]);
      expectSubscriptions(calls.d.subscriptions).toBe([]);
    }));

  it("with onError 'return' does not send a prompt still waiting for its limiter turn", () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new BadRequestError('fake answered 400', { status: 400 });
      const calls = { a: cold<never>('5ms #', undefined, error), b: cold('(r|)', { r: reply('R') }) };
      const { model } = scripted(calls);
      // b holds a slot but its turn comes at 10 ms, after a failed at 5 ms.
      const results = from(['a', 'b']).pipe(chatEach(model, { rpm: 6000, onError: 'return' }));
      expectObservable(results).toBe('5ms (a|)', { a: failed(0, 'a', error) });
      expectSubscriptions(calls.b.subscriptions).toBe([]);
    }));

  it("with onError 'return' lets a prompt in flight finish its retries", () =>
    scheduler.run(({ cold, expectObservable }) => {
      const R = reply('R');
      const error = new BadRequestError('fake answered 400', { status: 400 });
      const unavailable = serverError();
      let bCalls = 0;
      const aCall = cold<never>('5ms #', undefined, error);
      const bFirst = cold<never>('2ms #', undefined, unavailable);
      const bRetry = cold('(r|)', { r: R });
      const { model } = fakeModel({ chat: (request) => (promptOf(request) === 'a' ? aCall : bCalls++ === 0 ? bFirst : bRetry) });
      const results = from(['a', 'b']).pipe(chatEach(model, { limiter: recordingLimiter(), onError: 'return', retry: noJitter }));
      expectObservable(results).toBe('5ms a 6ms (b|)', { a: failed(0, 'a', error), b: ok(1, 'b', R, 2) });
    }));

  it("with onError 'stop' errors with the first failure and aborts the requests in flight", () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const error = new BadRequestError('fake answered 400', { status: 400 });
      const calls = { a: cold<never>('5ms #', undefined, error), b: cold('20ms (r|)', { r: reply('R') }) };
      const { model } = scripted(calls);
      const results = from(['a', 'b']).pipe(chatEach(model, { limiter: recordingLimiter(), onError: 'stop' }));
      expectObservable(results).toBe('5ms #', undefined, error);
      expectSubscriptions(calls.b.subscriptions).toBe('^ 4ms !');
    }));

  it.each([
    ['401', new AuthenticationError('fake answered 401', { status: 401 })],
    ['402', new InsufficientCreditsError('fake answered 402', { status: 402 })],
  ])("ends the run on a fatal error (%s) even with onError 'continue'", (_status, error) =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const calls = { a: cold<never>('5ms #', undefined, error), b: cold('20ms (r|)', { r: reply('R') }), c: cold('(r|)', { r: reply('R') }) };
      const { model } = scripted(calls);
      const results = from(['a', 'b', 'c']).pipe(chatEach(model, { maxActive: 2, limiter: recordingLimiter(), retry: noJitter }));
      expectObservable(results).toBe('5ms #', undefined, error);
      expectSubscriptions(calls.a.subscriptions).toBe('^ 4ms !'); // never retried
      expectSubscriptions(calls.b.subscriptions).toBe('^ 4ms !');
      expectSubscriptions(calls.c.subscriptions).toBe([]);
    }),
  );

  it('aborts the requests in flight when unsubscribed', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const calls = { a: cold('20ms (r|)', { r: reply('A') }), b: cold('3ms (r|)', { r: reply('B') }) };
      const { model } = scripted(calls);
      const results = from(['a', 'b']).pipe(chatEach(model, { limiter: recordingLimiter() }));
      expectObservable(results, '^ 6ms !').toBe('3ms b', { b: ok(1, 'b', reply('B')) });
      expectSubscriptions(calls.a.subscriptions).toBe('^ 6ms !');
    }));

  it('errors with signal.reason and aborts the requests in flight when the signal aborts', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const calls = { a: cold('20ms (r|)', { r: reply('A') }) };
      const { model } = scripted(calls);
      const controller = new AbortController();
      const reason = new Error('user cancelled');
      scheduler.schedule(() => controller.abort(reason), 7);
      const results = from(['a']).pipe(chatEach(model, { limiter: recordingLimiter(), signal: controller.signal }));
      expectObservable(results).toBe('7ms #', undefined, reason);
      expectSubscriptions(calls.a.subscriptions).toBe('^ 6ms !');
    }));

  it('errors at once, sending nothing, when the signal is already aborted', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const calls = { a: cold('(r|)', { r: reply('A') }) };
      const { model } = scripted(calls);
      const reason = new Error('too late');
      const results = from(['a']).pipe(chatEach(model, { limiter: recordingLimiter(), signal: AbortSignal.abort(reason) }));
      expectObservable(results).toBe('#', undefined, reason);
      expectSubscriptions(calls.a.subscriptions).toBe([]);
    }));

  it('turns an invalid prompt into an ok:false result naming it, without sending anything', () =>
    scheduler.run(({ cold, expectObservable, flush }) => {
      const R = reply('R');
      const { model, provider } = fakeModel({ chat: () => cold('(r|)', { r: R }) });
      const limiter = recordingLimiter();
      const invalid = { messages: [] } as unknown as Prompt;
      const results = from(['a', invalid, 'c']).pipe(chatEach(model, { limiter }));
      const seen: ChatResult[] = [];
      results.subscribe((result) => seen.push(result));
      flush();
      // The invalid prompt fails at once, before the others' answers arrive.
      expect(seen.map((result) => [result.index, result.ok, result.attempts])).toEqual([
        [1, false, 0],
        [0, true, 1],
        [2, true, 1],
      ]);
      const failure = seen[0]!;
      expect(failure.ok === false && failure.error).toBeInstanceOf(InvalidOptionsError);
      expect(failure.ok === false && failure.error.message).toMatch(/^prompts\[1\]\.messages/);
      expect(provider.requests).toHaveLength(2);
      expect(limiter.log.acquired).toHaveLength(2);
      void expectObservable;
    }));

  it('applies params to every prompt, under the prompt’s own', () =>
    scheduler.run(({ cold, flush }) => {
      const { model, provider } = fakeModel({ chat: () => cold('(r|)', { r: reply('R') }) }, { params: { temperature: 1 } });
      const prompts: Prompt[] = ['a', { messages: [{ role: 'user', content: 'b' }], params: { maxTokens: 5 } }];
      from(prompts).pipe(chatEach(model, { limiter: recordingLimiter(), params: { maxTokens: 99, seed: 1 } })).subscribe();
      flush();
      expect(provider.requests.map((request) => request.params)).toEqual([
        { temperature: 1, maxTokens: 99, seed: 1 },
        { temperature: 1, maxTokens: 5, seed: 1 },
      ]);
    }));

  it('reports progress', () =>
    scheduler.run(({ cold, flush }) => {
      const unavailable = serverError();
      const bad = new BadRequestError('fake answered 400', { status: 400 });
      let aCalls = 0;
      const aFirst = cold<never>('10ms #', undefined, unavailable);
      const aRetry = cold('10ms (r|)', { r: reply('A', { inputTokens: 3, outputTokens: 4 }) });
      const bCall = cold<never>('30ms #', undefined, bad);
      const { model } = fakeModel({ chat: (request) => (promptOf(request) === 'a' ? (aCalls++ === 0 ? aFirst : aRetry) : bCall) });
      const progress = progressTracker({ scheduler, total: 2 });
      const snapshots: number[][] = [];
      progress.progress$.subscribe((p) => snapshots.push([p.submitted, p.inFlight, p.done]));
      from(['a', 'b']).pipe(chatEach(model, { limiter: recordingLimiter(), retry: noJitter, progress })).subscribe();
      flush();
      expect(progress.snapshot()).toEqual({
        total: 2,
        submitted: 2,
        inFlight: 0,
        done: 2,
        succeeded: 1,
        failed: 1,
        retries: 1,
        inputTokens: 3,
        outputTokens: 4,
        cachedInputTokens: 0,
        cacheWriteInputTokens: 0,
        reasoningTokens: 0,
        refusedWaits: 0,
        longestRefusedWaitMs: 0,
        rateLimitRefusals: 0,
        capacityRefusals: 0,
        tierSwitches: [],
        limits: undefined, // the recording limiter does not say
        requestsPerMinute: 3 * 60, // 3 requests over the 1-second minimum window
        elapsedMs: 30,
        etaMs: 0,
      });
      expect(snapshots[0]).toEqual([0, 0, 0]);
      expect(snapshots).toContainEqual([2, 2, 0]);
    }));

  it('calls onProgress with snapshots, the last one final', () =>
    scheduler.run(({ cold, flush }) => {
      const { model } = fakeModel({ chat: () => cold('5ms (r|)', { r: reply('R') }) });
      const seen: number[] = [];
      from(['a', 'b']).pipe(chatEach(model, { limiter: recordingLimiter(), onProgress: (p) => seen.push(p.done) })).subscribe();
      flush();
      expect(seen.at(-1)).toBe(2);
      expect(seen[0]).toBe(0);
    }));

  it('throws InvalidOptionsError naming the field for bad options', () => {
    const { model } = fakeModel();
    expect(() => chatEach(model, { maxActive: 0 })).toThrow(/chatEach\(\) options\.maxActive/);
    expect(() => chatEach(model, { maxActve: 3 } as never)).toThrow(InvalidOptionsError);
    expect(() => chatEach(model, { onError: 'ignore' } as never)).toThrow(/options\.onError/);
    expect(() => chatEach(model, { limiter: {} } as never)).toThrow(/options\.limiter: expected a RateLimiter/);
    expect(() => chatEach(model, { retry: { maxRetries: -1 } })).toThrow(/options\.retry\.maxRetries/);
    expect(() => chatEach({} as never)).toThrow(/chatEach\(\) model: expected a ChatModel/);
  });

  it('is cold: nothing is read or sent before subscription, and each subscription runs afresh', () =>
    scheduler.run(({ cold, flush }) => {
      const { model, provider } = fakeModel({ chat: () => cold('(r|)', { r: reply('R') }) });
      const results = from(['a']).pipe(chatEach(model, { rpm: 60 }));
      flush();
      expect(provider.requests).toHaveLength(0);
      results.subscribe();
      results.subscribe(); // its own limiter: not spaced behind the first subscription
      flush();
      expect(provider.requests).toHaveLength(2);
    }));
});
