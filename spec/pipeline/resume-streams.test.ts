// `resumeStreams`: a resumed request asks only for the output tokens still allowed, and the item's usage counts every
// request it took (issue 20: with maxTokens 120, users got 125 and 135 tokens, and a usage of the last request only).
import { from, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { ServerError } from '../../src/errors/api-call-error.js';
import { estimateInputTokens } from '../../src/model/estimate-tokens.js';
import { type StreamItem, streamEach } from '../../src/pipeline/stream-each.js';
import type { ChatChunk } from '../../src/types.js';
import { chunk, fakeModel } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const dropped = new ServerError('fake: connection reset', { status: 500 });
/** One-token chunks, as OpenAI-compatible servers stream them, and the final usage chunk. */
const parts = {
  a: chunk('a'),
  b: chunk('b'),
  c: chunk('c'),
  d: chunk('d', { finishReason: 'stop' }),
  u: chunk('', { usage: { inputTokens: 9, outputTokens: 2 } }),
  s: chunk('', { usage: { inputTokens: 8, outputTokens: 1 } }),
};

/** Runs prompt `'q'` through streamEach with resumeStreams over the scripted attempts; returns the item and the requests. */
function run(attempts: (cold: (marbles: string, values?: object, error?: unknown) => Observable<ChatChunk>) => Observable<ChatChunk>[], maxTokens?: number) {
  const received: StreamItem[] = [];
  let calls: Observable<ChatChunk>[] = [];
  const { model, provider } = fakeModel({ supportsPrefill: true, stream: () => calls.shift()! });
  scheduler.run(({ cold }) => {
    calls = attempts(cold as never);
    const params = maxTokens === undefined ? {} : { params: { maxTokens } };
    from(['q']).pipe(streamEach(model, { limiter: recordingLimiter(), resumeStreams: true, ...params })).subscribe((item) => received.push(item));
  });
  return { item: received[0]!, requests: provider.requests };
}

describe('streamEach with resumeStreams', () => {
  it('asks a resumed request only for the output tokens left', async () => {
    const { item, requests } = run((cold) => [cold('-a-b-#', parts, dropped), cold('-c-#', parts, dropped), cold('-d-u|', parts)], 10);
    await expect(item.text).resolves.toBe('abcd');
    expect(requests.map((request) => request.params.maxTokens)).toEqual([10, 8, 7]);
  });

  it('leaves maxTokens unset on a resumed request when the prompt set none', async () => {
    const { item, requests } = run((cold) => [cold('-a-b-#', parts, dropped), cold('-d-u|', parts)]);
    await expect(item.text).resolves.toBe('abd');
    expect(requests.map((request) => request.params.maxTokens)).toEqual([undefined, undefined]);
  });

  it('sends nothing more when the broken stream already used every token allowed, and ends with finishReason length', async () => {
    const { item, requests } = run((cold) => [cold('-s-a-b-#', parts, dropped)], 2);
    await expect(item.response).resolves.toEqual(expect.objectContaining({ text: 'ab', finishReason: 'length', usage: { inputTokens: 8, outputTokens: 2 } }));
    expect(requests).toHaveLength(1);
  });

  it("reports the usage of every request: the reported usage, else the input estimate and the attempt's chunks", async () => {
    const { item, requests } = run((cold) => [cold('-a-b-#', parts, dropped), cold('-s-c-#', parts, dropped), cold('-d-u|', parts)], 10);
    const response = await item.response;
    expect(requests).toHaveLength(3);
    expect(response.usage).toEqual({
      inputTokens: estimateInputTokens(requests[0]!.messages) + 8 + 9, // nothing reported by the first; 8 and 9 reported
      outputTokens: 2 + 1 + 2, // two chunks; then 1 reported, 1 chunk seen: the larger; then 2 reported
    });
  });
});
