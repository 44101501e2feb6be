import { from } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { ServerError } from '../../src/errors/api-call-error.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { progressTracker, type ProgressTracker } from '../../src/progress/progress-tracker.js';
import { chunk, fakeModel, promptOf, reply } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const noJitter = { jitter: false, initialDelayMs: 10 };
const unavailable = () => new ServerError('fake answered 503', { status: 503, provider: 'fake' });

/** A tracker that also logs which prompt each submission and request was for, and when. */
function loggingTracker(): { tracker: ProgressTracker; log: string[] } {
  const inner = progressTracker({ scheduler });
  const log: string[] = [];
  const tracker: ProgressTracker = {
    ...inner,
    promptSubmitted: (index) => {
      log.push(`${scheduler.now()}ms submitted ${index}`);
      inner.promptSubmitted(index);
    },
    requestSent: (index) => {
      log.push(`${scheduler.now()}ms sent ${index}`);
      inner.requestSent(index);
    },
  };
  return { tracker, log };
}

describe('the progress recorder is told which prompt each submission and request is for', () => {
  it('chatEach: the prompt index of the first request and of each retry', () =>
    scheduler.run(({ cold, flush }) => {
      let bCalls = 0;
      const { model } = fakeModel({
        chat: (request) =>
          promptOf(request) === 'a'
            ? cold('5ms (r|)', { r: reply('A') })
            : bCalls++ === 0
              ? cold<never>('2ms #', undefined, unavailable())
              : cold('3ms (r|)', { r: reply('B') }),
      });
      const { tracker, log } = loggingTracker();
      from(['a', 'b']).pipe(chatEach(model, { maxActive: 1, limiter: recordingLimiter(), retry: noJitter, progress: tracker })).subscribe();
      flush();
      expect(log).toEqual(['0ms submitted 0', '0ms sent 0', '5ms submitted 1', '5ms sent 1', '17ms sent 1']);
    }));

  it('streamEach: the same, so that a consumer can count each stream\'s attempts', () =>
    scheduler.run(({ cold, flush }) => {
      let aCalls = 0;
      const { model } = fakeModel({
        stream: () => (aCalls++ === 0 ? cold<never>('2ms #', undefined, unavailable()) : cold('3ms (c|)', { c: chunk('A', { finishReason: 'stop' }) })),
      });
      const { tracker, log } = loggingTracker();
      from(['a']).pipe(streamEach(model, { limiter: recordingLimiter(), retry: noJitter, progress: tracker })).subscribe();
      flush();
      expect(log).toEqual(['0ms submitted 0', '0ms sent 0', '12ms sent 0']);
    }));
});
