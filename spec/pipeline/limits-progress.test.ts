import { from } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect, it } from 'vitest';
import { RateLimitError } from '../../src/errors/api-call-error.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { progressTracker } from '../../src/progress/progress-tracker.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';
import type { LimitsInForce } from '../../src/types.js';
import { fakeModel, reply } from '../support/fake-provider.js';

it("progress reports the limits in force, where they came from, and the 429s received", () => {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  scheduler.run(({ cold, flush }) => {
    const refused = new RateLimitError('fake answered 429', { status: 429, provider: 'fake', rateLimit: { remainingRequests: 3, resetRequestsMs: 1_000 } });
    const learned = reply('R', undefined, { rateLimit: { remainingRequests: 50, resetRequestsMs: 10_000 } });
    let calls = 0;
    const { model } = fakeModel({ chat: () => (calls++ === 1 ? cold<never>('5ms #', undefined, refused) : cold('5ms (r|)', { r: learned })) });
    const limiter = rateLimiter({ rpm: 'auto', tpm: 20_000, scheduler });
    const progress = progressTracker({ scheduler });
    const seen: (LimitsInForce | undefined)[] = [];
    progress.progress$.subscribe((p) => {
      if (seen.at(-1) !== p.limits) seen.push(p.limits);
    });
    from(['a', 'b']).pipe(chatEach(model, { limiter, progress, retry: { jitter: false, initialDelayMs: 10 } })).subscribe();
    flush();
    expect(progress.snapshot()).toMatchObject({ succeeded: 2, rateLimitRefusals: 1 });
    expect(seen).toEqual([
      // The conservative start, then the pace from the first answer's headers: 50 left for 10 s.
      { rpm: { value: 60, source: 'adapted' }, tpm: { value: 20_000, source: 'configured' } },
      { rpm: { value: 300, source: 'headers' }, tpm: { value: 20_000, source: 'configured' } },
      // The 429 said 3 left for 1 s: 180 rpm.
      { rpm: { value: 180, source: 'headers' }, tpm: { value: 20_000, source: 'configured' } },
      // Its retry's answer: 50 left for 10 s again.
      { rpm: { value: 300, source: 'headers' }, tpm: { value: 20_000, source: 'configured' } },
    ]);
  });
});
