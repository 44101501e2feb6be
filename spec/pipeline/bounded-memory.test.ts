import { asapScheduler, count, defer, lastValueFrom, observeOn, of, tap } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors/llm-error.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { pullPrompts } from '../../src/pipeline/pull-prompts.js';
import { fakeModel, reply } from '../support/fake-provider.js';
import { type LocalServer, startLocalServer } from '../support/local-server.js';
import { chatCompletions } from '../support/pipeline-server.js';

/** About 3 s of CPU each on an idle machine; the margin is for a loaded CI box, not for waiting. */
const HEAVY_TIMEOUT_MS = 60_000;

/** An async generator of `total` prompts that records how far ahead of the finished prompts it was ever read. */
function trackedSource(total: number) {
  const state = { read: 0, finished: 0, mostAhead: 0 };
  async function* prompts() {
    for (let index = 0; index < total; index += 1) {
      state.read += 1;
      state.mostAhead = Math.max(state.mostAhead, state.read - state.finished);
      yield `prompt ${index}`;
    }
  }
  return { state, prompts };
}

describe('memory bounded by maxActive, not by the number of prompts', () => {
  it('runs a 100,000-prompt async generator through pullPrompts and chatEach', async () => {
    const total = 100_000;
    const maxActive = 8;
    const readAhead = 2;
    const { state, prompts } = trackedSource(total);
    // Answers arrive asynchronously, as from a socket (an in-process provider: 100,000 HTTP round trips take too long for CI).
    const { model } = fakeModel({ chat: () => defer(() => of(reply('R'))).pipe(observeOn(asapScheduler)) });
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const answered = await lastValueFrom(
      pullPrompts(prompts(), { readAhead }).pipe(
        chatEach(model, { maxActive, rpm: Infinity }),
        tap((result) => {
          state.finished += 1;
          if (result.index % 5_000 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
        }),
        count((result) => result.ok),
      ),
    );
    expect(answered).toBe(total);
    expect(state.mostAhead).toBeLessThanOrEqual(maxActive + readAhead + 1);
    expect(heapPeak - heapBefore).toBeLessThan(64 * 1024 * 1024); // loose: the run itself holds next to nothing
  }, HEAVY_TIMEOUT_MS);

  describe('over HTTP', () => {
    let server: LocalServer;
    let model: ChatModel;
    beforeEach(async () => {
      server = await startLocalServer();
      model = openai({ model: 'test-model', baseURL: server.baseURL, apiKey: '' });
    });
    afterEach(async () => {
      await model.provider.close?.();
      await server.close();
    });

    it('pulls a 2,000-prompt async generator through parallelChat one prompt per free slot plus readAhead', async () => {
      const total = 2_000;
      const maxActive = 12;
      const chat = chatCompletions();
      server.handle(chat.handler);
      const { state, prompts } = trackedSource(total);
      let last = -1;
      const results = await parallelChat(model, prompts(), {
        maxActive,
        readAhead: 1,
        rpm: Infinity,
        onProgress: (progress) => {
          if (progress.done !== last) state.finished = last = progress.done;
        },
      });
      expect(results).toHaveLength(total);
      expect(results.every((result) => result !== null && !isLlmError(result))).toBe(true);
      expect(state.mostAhead).toBeLessThanOrEqual(maxActive + 1 + 1);
      expect(server.maxInFlight).toBeLessThanOrEqual(maxActive);
    }, HEAVY_TIMEOUT_MS);
  });
});
