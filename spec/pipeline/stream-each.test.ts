import { from, map, mergeMap, type Observable, ReplaySubject, share, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError, StreamInterruptedError } from '../../src/errors/llm-error.js';
import { AuthenticationError, BadRequestError, ServerError } from '../../src/errors/api-call-error.js';
import { estimateInputTokens } from '../../src/model/estimate-tokens.js';
import { type StreamItem, streamEach } from '../../src/pipeline/stream-each.js';
import type { ChatChunk, Prompt } from '../../src/types.js';
import { chunk, fakeModel, promptOf } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const noJitter = { jitter: false, initialDelayMs: 10 };
const chunks = { x: chunk('x'), y: chunk('y'), z: chunk('z'), u: chunk('', { usage: { inputTokens: 4, outputTokens: 2 } }) };
const indexOf = (item: StreamItem) => String(item.index);
/** Items shared by several expectations: one run, replayed to each. */
const shared = () => share<StreamItem>({ connector: () => new ReplaySubject(), resetOnComplete: false, resetOnError: false, resetOnRefCountZero: false });
/** Every chunk of every item, as `index:text`. */
const flatten = (items: Observable<StreamItem>) => items.pipe(mergeMap((item) => item.chunks.pipe(map((c) => `${item.index}:${c.text}`))));

/** A fake model whose stream for prompt `p` is `calls[p]` (a function of the attempt number, or one Observable). */
function scripted(calls: Record<string, Observable<ChatChunk> | ((attempt: number) => Observable<ChatChunk>)>, supportsPrefill = false) {
  const attempts = new Map<string, number>();
  return fakeModel({
    supportsPrefill,
    stream: (request) => {
      const prompt = promptOf(request);
      const attempt = attempts.get(prompt) ?? 0;
      attempts.set(prompt, attempt + 1);
      const call = calls[prompt]!;
      return typeof call === 'function' ? call(attempt) : call;
    },
  });
}

describe('streamEach', () => {
  it('emits one item per prompt when its request is sent, and holds the slot until the stream ends', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const calls = { a: cold('-x-y|', chunks), b: cold('-z|', chunks) };
      const { model } = scripted(calls);
      const items = from(['a', 'b']).pipe(streamEach(model, { maxActive: 1, limiter: recordingLimiter() }));
      expectObservable(items.pipe(map(indexOf))).toBe('0 3ms 1 1ms |');
      expectObservable(flatten(items)).toBe('-a-b-c|', { a: '0:x', b: '0:y', c: '1:z' });
      expectSubscriptions(calls.a.subscriptions).toBe(['^---!', '^---!']);
      expectSubscriptions(calls.b.subscriptions).toBe(['4ms ^-!', '4ms ^-!']);
    }));

  it('emits an item only once the limiter grants its turn', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const { model } = scripted({ a: cold('-x|', chunks), b: cold('-x|', chunks) });
      const items = from(['a', 'b']).pipe(streamEach(model, { rpm: 600 }));
      expectObservable(items.pipe(map(indexOf))).toBe('0 99ms 1 1ms |');
    }));

  it('replays chunks to a late subscriber, and resolves text with the whole answer', async () => {
    const received: StreamItem[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const { model } = scripted({ a: cold('-x-y-u|', chunks) });
      from(['a']).pipe(streamEach(model, { limiter: recordingLimiter() })).subscribe((item) => received.push(item));
      // Subscribing long after the stream ended still gives every chunk.
      scheduler.schedule(() => expectObservable(received[0]!.chunks).toBe('20ms (xyu|)', chunks), 20);
    });
    await expect(received[0]!.text).resolves.toBe('xy');
  });

  it('retries a stream that fails before its first chunk; the item is emitted once and its chunks continue', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const unavailable = new ServerError('fake answered 503', { status: 503 });
      const first = cold<never>('2ms #', undefined, unavailable);
      const second = cold('-x|', chunks);
      const { model } = scripted({ a: (attempt) => (attempt === 0 ? first : second) });
      const limiter = recordingLimiter();
      const items = from(['a']).pipe(streamEach(model, { limiter, retry: noJitter }), shared());
      expectObservable(items.pipe(map(indexOf))).toBe('0 13ms |');
      expectObservable(flatten(items)).toBe('13ms a|', { a: '0:x' });
      expectSubscriptions(first.subscriptions).toBe('^-!');
      expectSubscriptions(second.subscriptions).toBe('12ms ^-!');
    }));

  it('takes a limiter turn per attempt, reserving the estimate and settling with the usage of the last chunk', () =>
    scheduler.run(({ cold, flush }) => {
      const unavailable = new ServerError('fake answered 503', { status: 503 });
      const rateLimit = { remainingRequests: 10 };
      const { model } = scripted({
        a: (attempt) => (attempt === 0 ? cold<never>('#', undefined, unavailable) : cold('-x-u|', { x: chunk('x', { rateLimit }), u: chunks.u })),
      });
      const limiter = recordingLimiter();
      from(['a']).pipe(streamEach(model, { limiter, retry: noJitter })).subscribe();
      flush();
      const estimate = estimateInputTokens([{ role: 'user', content: 'a' }]);
      const cost = { tokens: estimate + 1024, inputTokens: estimate, outputTokens: 1024 };
      expect(limiter.log.acquired).toEqual([cost, cost]);
      expect(limiter.log.settled).toEqual([estimate, 6]);
      // The 503 is an outcome too (it ends an 'auto' limiter's conservative start) but says nothing of the budget.
      expect(limiter.log.observed).toEqual([undefined, rateLimit]);
    }));

  it('fails the item with StreamInterruptedError, keeping the partial text, when the stream breaks after its first chunk', async () => {
    const received: StreamItem[] = [];
    const dropped = new ServerError('fake: connection reset', { status: 500 });
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const call = cold('-x-y-#', chunks, dropped);
      const { model } = scripted({ a: call });
      const items = from(['a']).pipe(streamEach(model, { limiter: recordingLimiter(), retry: noJitter }), shared());
      items.subscribe((item) => received.push(item));
      expectSubscriptions(call.subscriptions).toBe('^----!'); // not retried
      expectObservable(items.pipe(map(indexOf))).toBe('0 4ms |');
    });
    await expect(received[0]!.text).rejects.toBeInstanceOf(StreamInterruptedError);
    await expect(received[0]!.text).rejects.toMatchObject({ partialText: 'xy', cause: dropped });
  });

  it('resumes an interrupted stream with the partial answer as assistant prefill when resumeStreams is set', async () => {
    const received: StreamItem[] = [];
    const dropped = new ServerError('fake: connection reset', { status: 500 });
    const { model, provider } = fakeModel({ supportsPrefill: true, stream: () => calls.shift()! });
    let calls: Observable<ChatChunk>[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      calls = [cold('-x-#', chunks, dropped), cold('-y|', chunks)];
      const items = from(['a']).pipe(streamEach(model, { limiter: recordingLimiter(), resumeStreams: true }), shared());
      items.subscribe((item) => received.push(item));
      expectObservable(flatten(items)).toBe('-a--b|', { a: '0:x', b: '0:y' });
    });
    await expect(received[0]!.text).resolves.toBe('xy');
    expect(provider.requests).toHaveLength(2);
    expect(provider.requests[1]!.messages).toEqual([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'x' },
    ]);
  });

  it('does not resume when the provider does not support prefill', async () => {
    const received: StreamItem[] = [];
    const dropped = new ServerError('fake: connection reset', { status: 500 });
    scheduler.run(({ cold }) => {
      const { model } = scripted({ a: cold('-x-#', chunks, dropped) }, false);
      from(['a']).pipe(streamEach(model, { limiter: recordingLimiter(), resumeStreams: true })).subscribe((item) => received.push(item));
    });
    await expect(received[0]!.text).rejects.toMatchObject({ partialText: 'x' });
  });

  it('fails with the whole partial text when a resumed stream breaks again and resumptions run out', async () => {
    const received: StreamItem[] = [];
    const dropped = new ServerError('fake: connection reset', { status: 500 });
    let calls: Observable<ChatChunk>[] = [];
    const { model, provider } = fakeModel({ supportsPrefill: true, stream: () => calls.shift()! });
    scheduler.run(({ cold }) => {
      calls = [cold('-x-#', chunks, dropped), cold('-y-#', chunks, dropped)];
      from(['a'])
        .pipe(streamEach(model, { limiter: recordingLimiter(), resumeStreams: true, retry: { maxRetries: 1 } }))
        .subscribe((item) => received.push(item));
    });
    await expect(received[0]!.text).rejects.toMatchObject({ name: 'StreamInterruptedError', partialText: 'xy' });
    expect(provider.requests).toHaveLength(2);
  });

  it('errors the chunks of streams in flight with a cancelled StreamInterruptedError when unsubscribed', async () => {
    const received: StreamItem[] = [];
    scheduler.run(({ cold, expectSubscriptions }) => {
      const call = cold('-x-y-z|', chunks);
      const { model } = scripted({ a: call });
      const subscription = from(['a'])
        .pipe(streamEach(model, { limiter: recordingLimiter() }))
        .subscribe((item) => received.push(item));
      scheduler.schedule(() => subscription.unsubscribe(), 2);
      expectSubscriptions(call.subscriptions).toBe('^-!');
    });
    await expect(received[0]!.text).rejects.toMatchObject({ name: 'StreamInterruptedError', code: 'cancelled', partialText: 'x' });
  });

  it("with onError 'stop' errors with the first failure and aborts the other streams", async () => {
    const received: StreamItem[] = [];
    const bad = new BadRequestError('fake answered 400', { status: 400 });
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const calls = { a: cold<never>('5ms #', undefined, bad), b: cold('-x-y-z-|', chunks) };
      const { model } = scripted(calls);
      const items = from(['a', 'b']).pipe(streamEach(model, { limiter: recordingLimiter(), onError: 'stop' }), shared());
      items.subscribe({ next: (item) => received.push(item), error: () => undefined });
      expectObservable(items.pipe(map(indexOf))).toBe('(01) 1ms #', undefined, bad);
      expectSubscriptions(calls.b.subscriptions).toBe('^----!');
    });
    await expect(received[0]!.text).rejects.toBe(bad);
    await expect(received[1]!.text).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('ends the run on a fatal error even with onError continue', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const fatal = new AuthenticationError('fake answered 401', { status: 401 });
      const { model } = scripted({ a: cold<never>('5ms #', undefined, fatal), b: cold('-x-y-z-|', chunks) });
      const items = from(['a', 'b']).pipe(streamEach(model, { limiter: recordingLimiter() }));
      expectObservable(items.pipe(map(indexOf))).toBe('(01) 1ms #', undefined, fatal);
    }));

  it("with onError 'return' starts nothing new after the first failure and lets streams in flight finish", () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const bad = new BadRequestError('fake answered 400', { status: 400 });
      const calls = { a: cold<never>('5ms #', undefined, bad), b: cold('-x-y-z-|', chunks), c: cold('-x|', chunks) };
      const { model } = scripted(calls);
      const items = from(['a', 'b', 'c']).pipe(streamEach(model, { maxActive: 2, limiter: recordingLimiter(), onError: 'return' }));
      expectObservable(items.pipe(map(indexOf))).toBe('(01) 3ms |');
      expectSubscriptions(calls.c.subscriptions).toBe([]);
    }));

  it('emits an invalid prompt at once with failing chunks, sending nothing', async () => {
    const received: StreamItem[] = [];
    const { model, provider } = fakeModel({ stream: () => from([chunk('x')]) });
    from([{ messages: 'nope' } as unknown as Prompt]).pipe(streamEach(model, { limiter: recordingLimiter() })).subscribe((item) => received.push(item));
    expect(received).toHaveLength(1);
    await expect(received[0]!.text).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(received[0]!.text).rejects.toThrow(/^prompts\[0\]/);
    expect(provider.requests).toHaveLength(0);
  });

  it('still emits one failed item when the limiter fails before the request is sent', async () => {
    const storeDown = new Error('limiter store unreachable');
    const limiter = { acquire: () => throwError(() => storeDown), pause: () => undefined, observe: () => undefined };
    const { model, provider } = fakeModel({ stream: () => from([chunk('x')]) });
    const received: StreamItem[] = [];
    from(['a', 'b']).pipe(streamEach(model, { limiter })).subscribe((item) => received.push(item));
    expect(received.map((item) => item.index)).toEqual([0, 1]);
    await expect(received[0]!.text).rejects.toMatchObject({ cause: storeDown });
    expect(provider.requests).toHaveLength(0);
  });

  it('never reports an unobserved rejected text as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const bad = new BadRequestError('fake answered 400', { status: 400 });
      const { model } = fakeModel({ stream: () => from(Promise.reject(bad)) });
      const received: StreamItem[] = [];
      from(['a', 'b']).pipe(streamEach(model, { limiter: recordingLimiter() })).subscribe((item) => received.push(item));
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(received).toHaveLength(2);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('throws InvalidOptionsError naming the field for bad options', () => {
    const { model } = fakeModel();
    expect(() => streamEach(model, { resumeStreams: 'yes' } as never)).toThrow(/streamEach\(\) options\.resumeStreams/);
    expect(() => streamEach(model, { maxActive: 1.5 })).toThrow(/options\.maxActive/);
  });
});
