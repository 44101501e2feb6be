import { from } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadRequestError } from '../../src/errors/api-call-error.js';
import { type StreamItem, streamEach } from '../../src/pipeline/stream-each.js';
import { chunk, fakeModel } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets pending promise reactions and the `unhandledRejection` check (after the microtask queue drains) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('StreamItem.response', () => {
  it('resolves with the whole response once the stream ends', async () => {
    const received: StreamItem[] = [];
    scheduler.run(({ cold }) => {
      const parts = {
        a: chunk('Hel', { requestId: 'req_1', model: 'fake-model-2026' }),
        b: chunk('lo', { finishReason: 'stop' }),
        u: chunk('', { usage: { inputTokens: 7, outputTokens: 3 } }),
      };
      const { model } = fakeModel({ stream: () => cold('-a-b-u|', parts) });
      from(['hi']).pipe(streamEach(model, { limiter: recordingLimiter() })).subscribe((item) => received.push(item));
    });
    await expect(received[0]!.response).resolves.toEqual({
      text: 'Hello',
      finishReason: 'stop',
      usage: { inputTokens: 7, outputTokens: 3 },
      model: 'fake-model-2026',
      requestId: 'req_1',
      raw: undefined,
    });
  });

  it("takes the request's model, no finish reason and zero usage where the chunks carry none", async () => {
    const received: StreamItem[] = [];
    scheduler.run(({ cold }) => {
      const { model } = fakeModel({ stream: () => cold('-x|', { x: chunk('x') }) }, { model: 'asked-model' });
      from(['hi']).pipe(streamEach(model, { limiter: recordingLimiter() })).subscribe((item) => received.push(item));
    });
    await expect(received[0]!.response).resolves.toEqual({
      text: 'x',
      finishReason: null,
      usage: { inputTokens: 0, outputTokens: 0 },
      model: 'asked-model',
      raw: undefined,
    });
  });

  it("rejects with the item's error", async () => {
    const received: StreamItem[] = [];
    const bad = new BadRequestError('fake answered 400', { status: 400 });
    scheduler.run(({ cold }) => {
      const { model } = fakeModel({ stream: () => cold<never>('5ms #', undefined, bad) });
      from(['hi']).pipe(streamEach(model, { limiter: recordingLimiter() })).subscribe((item) => received.push(item));
    });
    await expect(received[0]!.response).rejects.toBe(bad);
  });

  it('never reports an unhandled rejection when nobody awaits a failed item', async () => {
    const received: StreamItem[] = [];
    scheduler.run(({ cold }) => {
      const bad = new BadRequestError('fake answered 400', { status: 400 });
      const { model } = fakeModel({ stream: () => cold<never>('5ms #', undefined, bad) });
      from(['a', 'b']).pipe(streamEach(model, { limiter: recordingLimiter() })).subscribe((item) => received.push(item));
    });
    await settle();
    await settle();
    expect(received).toHaveLength(2);
    expect(unhandled).toEqual([]);
  });
});
