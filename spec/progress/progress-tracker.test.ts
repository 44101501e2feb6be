import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors/llm-error.js';
import { progressTracker, type Progress } from '../../src/progress/progress-tracker.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('progressTracker', () => {
  it('counts prompts through their lifecycle', () => {
    const progress = progressTracker({ total: 3 });
    progress.runStarted();
    progress.promptSubmitted();
    progress.promptSubmitted();
    progress.requestSent();
    progress.requestSent();
    progress.retryScheduled();
    progress.requestSent();
    progress.tokensUsed({ inputTokens: 10, outputTokens: 4 });
    progress.promptFinished(true, true);
    progress.promptFinished(false, false); // an invalid prompt: done without being submitted
    progress.promptCancelled();
    expect(progress.snapshot()).toMatchObject({
      total: 3,
      submitted: 2,
      inFlight: 0,
      done: 2,
      succeeded: 1,
      failed: 1,
      retries: 1,
      inputTokens: 10,
      outputTokens: 4,
    });
  });

  it('counts the waits refused for being above the cap and keeps the longest (issue 17)', () => {
    const progress = progressTracker();
    expect(progress.snapshot()).toMatchObject({ refusedWaits: 0, longestRefusedWaitMs: 0 });
    progress.waitRefused(86_400_000);
    progress.waitRefused(3_600_000);
    expect(progress.snapshot()).toMatchObject({ refusedWaits: 2, longestRefusedWaitMs: 86_400_000 });
  });

  it('counts 429 answers, and emits the limits in force only when they change', () => {
    const progress = progressTracker();
    const seen: unknown[] = [];
    progress.progress$.subscribe((p) => seen.push(p.limits));
    progress.refused('rateLimit');
    progress.refused('rateLimit');
    const learned = { rpm: { value: 480.2, source: 'headers' as const } };
    progress.limitsInForce(learned);
    progress.limitsInForce({ rpm: { value: 479.9, source: 'headers' } }); // the same to the request
    progress.limitsInForce({ rpm: { value: 240, source: 'adapted' } });
    expect(progress.snapshot()).toMatchObject({ rateLimitRefusals: 2, limits: { rpm: { value: 240, source: 'adapted' } } });
    expect(seen).toEqual([undefined, undefined, undefined, learned, { rpm: { value: 240, source: 'adapted' } }]);
  });

  it('derives the request rate over the last minute and an ETA from recent completions', () => {
    const test = scheduler();
    test.run(() => {
      const progress = progressTracker({ total: 100, scheduler: test });
      let checked = false;
      test.schedule(() => expect(checked).toBe(true), 150_000);
      progress.runStarted();
      // 10 requests and 10 completions over the first 20 seconds.
      for (let index = 0; index < 10; index += 1) {
        test.schedule(() => {
          progress.promptSubmitted();
          progress.requestSent();
          progress.promptFinished(true, true);
        }, index * 2_000);
      }
      test.schedule(() => {
        const snapshot = progress.snapshot();
        expect(snapshot.elapsedMs).toBe(20_000);
        expect(snapshot.requestsPerMinute).toBe(30); // 10 in 20 s
        expect(snapshot.etaMs).toBe(180_000); // 90 left at 1 per 2 s
      }, 20_000);
      // Two minutes later the window has emptied: no rate, no ETA.
      test.schedule(() => {
        const snapshot = progress.snapshot();
        expect(snapshot.requestsPerMinute).toBe(0);
        expect(snapshot.etaMs).toBeUndefined();
        checked = true;
      }, 140_000);
    });
  });

  it('freezes elapsed time when the last run ends', () => {
    const test = scheduler();
    test.run(() => {
      const progress = progressTracker({ scheduler: test });
      progress.runStarted();
      test.schedule(() => progress.runEnded(), 500);
      test.schedule(() => expect(progress.snapshot().elapsedMs).toBe(500), 2_000);
    });
  });

  it('emits the current snapshot on subscription, one after each change, and completes on complete()', () => {
    const progress = progressTracker();
    const seen: Progress[] = [];
    let completed = false;
    progress.progress$.subscribe({ next: (p) => seen.push(p), complete: () => (completed = true) });
    progress.promptSubmitted();
    progress.promptFinished(true, true);
    progress.complete();
    expect(seen.map((p) => [p.submitted, p.done])).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [1, 1],
    ]);
    expect(completed).toBe(true);
    const late: Progress[] = [];
    progress.progress$.subscribe((p) => late.push(p));
    expect(late).toHaveLength(1);
  });

  it('has no ETA without a total, and a zero ETA when everything is done', () => {
    const open = progressTracker();
    open.promptFinished(true, false);
    expect(open.snapshot().etaMs).toBeUndefined();
    const closed = progressTracker({ total: 1 });
    closed.promptFinished(true, false);
    expect(closed.snapshot().etaMs).toBe(0);
    closed.expectTotal(5); // already set: kept
    expect(closed.snapshot().total).toBe(1);
  });

  it('validates its options', () => {
    expect(() => progressTracker({ total: -1 })).toThrow(InvalidOptionsError);
    expect(() => progressTracker({ totl: 3 } as never)).toThrow(/progressTracker\(\) options/);
  });

  it('refuses a scheduler without schedule(), as every other scheduler option does', () => {
    const nowOnly = { now: () => 0 };
    expect(() => progressTracker({ scheduler: nowOnly } as never)).toThrow(InvalidOptionsError);
    expect(() => progressTracker({ scheduler: nowOnly } as never)).toThrow('progressTracker() options.scheduler: expected a SchedulerLike');
  });
});
