import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { progressTracker } from '../../src/progress/progress-tracker.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { completionBody } from '../support/openai-transcripts.js';
import { type LocalServer, startLocalServer } from '../support/local-server.js';

// Issue 17, item 2: a wait a 200's headers ask for above `maxRetryAfterMs` is not endured, and is reported.
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());

function answerWith(headers: Record<string, string>): void {
  server.handle(({ res }) => {
    const body = JSON.stringify(completionBody('ok'));
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
}

async function runThree(): Promise<ReturnType<ReturnType<typeof progressTracker>['snapshot']>> {
  const model = openai({ model: 'm', baseURL: server.baseURL, apiKey: '' });
  const progress = progressTracker();
  try {
    const results = await lastValueFrom(from(['a', 'b', 'c']).pipe(chatEach(model, { progress, retry: { maxRetryAfterMs: 1_000 }, maxActive: 1 }), toArray()));
    expect(results.every((result) => result.ok)).toBe(true);
  } finally {
    await model.provider.close?.();
  }
  return progress.snapshot();
}

describe('waits refused for being above maxRetryAfterMs reach the progress tracker', () => {
  it('a 200 with retry-after: 86400 counts one refused wait per response, the longest 24 h', async () => {
    answerWith({ 'retry-after': '86400' });
    expect(await runThree()).toMatchObject({ refusedWaits: 3, longestRefusedWaitMs: 86_400_000 });
  });

  it('an exhausted budget resetting in 24 h is refused too; a budget with requests left is no wait at all', async () => {
    answerWith({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '24h' });
    expect(await runThree()).toMatchObject({ refusedWaits: 3, longestRefusedWaitMs: 86_400_000 });
    answerWith({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-reset-requests': '24h' });
    expect(await runThree()).toMatchObject({ refusedWaits: 0, longestRefusedWaitMs: 0 });
  });
});
