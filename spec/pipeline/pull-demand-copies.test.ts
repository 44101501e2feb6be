import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { fakeModel, reply } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

/** A generator of 1,000 prompts counting what was read. */
function counted() {
  const state = { read: 0 };
  function* prompts() {
    while (state.read < 1000) {
      state.read += 1;
      yield `p${state.read - 1}`;
    }
  }
  return { state, prompts };
}

describe('pull demand across two loaded copies of rxllm', () => {
  it('a pullPrompts from one copy follows the demand of a chatEach from another', async () => {
    // A second, separate instance of pull-prompts and everything it imports (as with two installed copies of rxllm).
    vi.resetModules();
    const copy = await import('../../src/pipeline/pull-prompts.js');
    scheduler.run(({ cold }) => {
      const { state, prompts } = counted();
      const { model } = fakeModel({ chat: () => cold('10ms (r|)', { r: reply('R') }) });
      let readAt5 = 0;
      scheduler.schedule(() => (readAt5 = state.read), 5);
      const subscription = copy
        .pullPrompts(prompts(), { readAhead: 1 })
        .pipe(chatEach(model, { maxActive: 2, limiter: recordingLimiter() }))
        .subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 30);
      scheduler.flush();
      expect(readAt5).toBe(3); // 2 in flight + 1 read ahead
    });
  });
});
