import { from, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../src/errors/api-call-error.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';
import { chunk, fakeModel } from '../support/fake-provider.js';

// An 'auto' limiter starts at one request a second until the first outcome. Found when `rxllm run` (whose default
// became rpm/tpm 'auto') crawled at one request a second through a run whose answers were all errors or streams without
// rate-limit headers: the start ended only on a successful answer carrying headers.
describe("an 'auto' limiter's conservative start ends at the first outcome", () => {
  it('chatEach: a failed attempt ends it; the other prompts leave right after', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const failure = new ServerError('fake answered 500', { status: 500 });
      const { model } = fakeModel({ chat: () => cold('-#', undefined, failure) });
      const limiter = rateLimiter({ rpm: 'auto', scheduler });
      const results = from(['a', 'b', 'c']).pipe(
        chatEach(model, { limiter, maxActive: 3, retry: { maxRetries: 0 } }),
        map((result) => `${result.index}${result.ok ? '+' : '-'}`),
      );
      // Without the fix: '-a 999ms b 999ms (c|)', one a second.
      expectObservable(results).toBe('-a (bc|)', { a: '0-', b: '1-', c: '2-' });
    });
  });

  it("streamEach: a stream's first chunk ends it, even without rate-limit headers", () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const sentAt: [index: number, frame: number][] = [];
    scheduler.run(({ cold }) => {
      const { model } = fakeModel({ stream: () => cold('-x|', { x: chunk('x', { finishReason: 'stop' }) }) });
      const limiter = rateLimiter({ rpm: 'auto', scheduler });
      from(['a', 'b', 'c'])
        .pipe(streamEach(model, { limiter, maxActive: 3 }))
        .subscribe((item) => sentAt.push([item.index, scheduler.now()]));
    });
    // Without the fix: [[0, 0], [1, 1000], [2, 2000]], one a second.
    expect(sentAt).toEqual([
      [0, 0],
      [1, 1],
      [2, 1],
    ]);
  });
});
