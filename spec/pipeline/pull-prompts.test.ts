import { filter, lastValueFrom, map, of, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors/llm-error.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { pullPrompts } from '../../src/pipeline/pull-prompts.js';
import { chunk, fakeModel, reply } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

/** An endless generator counting what was read, and whether it was closed. */
function counted() {
  const state = { read: 0, closed: false };
  function* prompts() {
    try {
      for (;;) {
        state.read += 1;
        yield `p${state.read - 1}`;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, prompts };
}

describe('pullPrompts', () => {
  it('reads one prompt per free chatEach slot plus readAhead', () =>
    scheduler.run(({ cold }) => {
      const { state, prompts } = counted();
      const { model } = fakeModel({ chat: () => cold('10ms (r|)', { r: reply('R') }) });
      const readAt: Record<number, number> = {};
      for (const frame of [5, 15, 25]) scheduler.schedule(() => (readAt[frame] = state.read), frame);
      const subscription = pullPrompts(prompts(), { readAhead: 1 })
        .pipe(chatEach(model, { maxActive: 2, limiter: recordingLimiter() }))
        .subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 30);
      scheduler.flush();
      // 2 in flight + 1 waiting; every 10 ms two finish and two more are read.
      expect(readAt).toEqual({ 5: 3, 15: 5, 25: 7 });
      expect(state.closed).toBe(true);
    }));

  it('follows the demand through synchronous operators in between, filter included', () =>
    scheduler.run(({ cold }) => {
      const { state, prompts } = counted();
      const { model } = fakeModel({ chat: () => cold('10ms (r|)', { r: reply('R') }) });
      let readAt5 = 0;
      scheduler.schedule(() => (readAt5 = state.read), 5);
      const subscription = pullPrompts(prompts(), { readAhead: 0 })
        .pipe(
          filter((prompt) => Number(prompt.slice(1)) % 2 === 0), // drops every other prompt
          map((prompt) => `${prompt}!`),
          chatEach(model, { maxActive: 3, limiter: recordingLimiter() }),
        )
        .subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 30);
      scheduler.flush();
      expect(readAt5).toBe(5); // p0, p2, p4 kept; p1, p3 dropped
    }));

  it('works with an endless source until unsubscribed, closing the generator', () =>
    scheduler.run(({ cold }) => {
      const { state, prompts } = counted();
      const { model } = fakeModel({ chat: () => cold('1ms (r|)', { r: reply('R') }) });
      const seen: [number, number][] = [];
      pullPrompts(prompts())
        .pipe(chatEach(model, { maxActive: 4, limiter: recordingLimiter() }), take(6))
        .subscribe((result) => seen.push([scheduler.now(), result.index]));
      scheduler.flush();
      expect(seen).toEqual([[1, 0], [1, 1], [1, 2], [1, 3], [2, 4], [2, 5]]);
      expect(state.closed).toBe(true);
      expect(state.read).toBeLessThanOrEqual(6 + 4 + 2);
    }));

  it('holds stream slots until the stream ends before reading more', () =>
    scheduler.run(({ cold }) => {
      const { state, prompts } = counted();
      const { model } = fakeModel({ stream: () => cold('-x-x-x|', { x: chunk('x') }) });
      let readAt5 = 0;
      scheduler.schedule(() => (readAt5 = state.read), 5);
      const subscription = pullPrompts(prompts(), { readAhead: 0 })
        .pipe(streamEach(model, { maxActive: 2, limiter: recordingLimiter() }))
        .subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 20);
      scheduler.flush();
      expect(readAt5).toBe(2);
    }));

  it('stops reading when onError return stops the run', () =>
    scheduler.run(({ cold }) => {
      const { state, prompts } = counted();
      const { model } = fakeModel({ chat: () => cold<never>('5ms #', undefined, new Error('boom')) });
      pullPrompts(prompts(), { readAhead: 1 }).pipe(chatEach(model, { maxActive: 2, limiter: recordingLimiter(), onError: 'return' })).subscribe();
      scheduler.flush();
      expect(state.read).toBe(3);
      expect(state.closed).toBe(true);
    }));

  it('errors with what the source throws', async () => {
    const failure = new Error('disk on fire');
    async function* prompts() {
      yield 'a';
      throw failure;
    }
    const { model } = fakeModel({ chat: () => of(reply('R')) });
    await expect(lastValueFrom(pullPrompts(prompts()).pipe(chatEach(model, { limiter: recordingLimiter() }), toArray()))).rejects.toBe(failure);
  });

  it('reads as fast as its subscriber takes values when no pipeline is downstream', async () => {
    expect(await lastValueFrom(pullPrompts(['a', 'b', 'c']).pipe(toArray()))).toEqual(['a', 'b', 'c']);
  });

  it('refuses strings and non-iterables, and bad options', () => {
    expect(() => pullPrompts('abc' as never)).toThrow(InvalidOptionsError);
    expect(() => pullPrompts(42 as never)).toThrow(/pullPrompts\(\) source/);
    expect(() => pullPrompts([], { readAhead: -1 })).toThrow(/pullPrompts\(\) options\.readAhead/);
  });
});
