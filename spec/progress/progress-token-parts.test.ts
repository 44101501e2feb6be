import { from } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { progressTracker } from '../../src/progress/progress-tracker.js';
import type { Usage } from '../../src/types.js';
import { chunk, fakeModel, reply } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const parts = (progress: ReturnType<typeof progressTracker>) => {
  const { inputTokens, outputTokens, cachedInputTokens, cacheWriteInputTokens, reasoningTokens } = progress.snapshot();
  return { inputTokens, outputTokens, cachedInputTokens, cacheWriteInputTokens, reasoningTokens };
};

describe('progressTracker: cached, cache-write and reasoning tokens', () => {
  it('adds up the parts of the usage it is told, counting absent parts as zero', () => {
    const progress = progressTracker();
    expect(parts(progress)).toEqual({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 0, reasoningTokens: 0 });
    progress.tokensUsed({ inputTokens: 100, outputTokens: 20, cachedInputTokens: 60, cacheWriteInputTokens: 30, reasoningTokens: 8 });
    progress.tokensUsed({ inputTokens: 7, outputTokens: 3 });
    expect(parts(progress)).toEqual({ inputTokens: 107, outputTokens: 23, cachedInputTokens: 60, cacheWriteInputTokens: 30, reasoningTokens: 8 });
  });

  it('counts the parts of every answer chatEach receives, in virtual time', () =>
    scheduler.run(({ cold, flush }) => {
      const usages: Record<string, Usage> = {
        a: { inputTokens: 1_000, outputTokens: 300, cachedInputTokens: 800, reasoningTokens: 120 },
        b: { inputTokens: 500, outputTokens: 40, cachedInputTokens: 100, cacheWriteInputTokens: 250 },
      };
      const { model } = fakeModel({ chat: (request) => {
        const prompt = request.messages.at(-1)!.content as string;
        return cold('10ms (r|)', { r: reply(prompt, usages[prompt]!) });
      } });
      const progress = progressTracker({ scheduler });
      const seen: number[] = [];
      progress.progress$.subscribe((p) => seen.push(p.cachedInputTokens));
      from(['a', 'b']).pipe(chatEach(model, { limiter: recordingLimiter(), progress })).subscribe();
      flush();
      expect(parts(progress)).toEqual({ inputTokens: 1_500, outputTokens: 340, cachedInputTokens: 900, cacheWriteInputTokens: 250, reasoningTokens: 120 });
      expect(seen[0]).toBe(0);
      expect(seen.at(-1)).toBe(900);
    }));

  it('counts the parts of the usage that ends each stream of streamEach, in virtual time', () =>
    scheduler.run(({ cold, flush }) => {
      const usage: Usage = { inputTokens: 2_000, outputTokens: 90, cachedInputTokens: 1_500, cacheWriteInputTokens: 400, reasoningTokens: 60 };
      const { model } = fakeModel({ stream: () => cold('-x-u|', { x: chunk('x'), u: chunk('', { usage }) }) });
      const progress = progressTracker({ scheduler });
      from(['a', 'b']).pipe(streamEach(model, { limiter: recordingLimiter(), progress })).subscribe();
      flush();
      expect(parts(progress)).toEqual({ inputTokens: 4_000, outputTokens: 180, cachedInputTokens: 3_000, cacheWriteInputTokens: 800, reasoningTokens: 120 });
    }));
});
