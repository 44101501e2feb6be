import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { anthropic, type ChatModel, InvalidOptionsError, openai } from '../../src/index.js';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';

let server: MockServer | undefined;
const models: ChatModel[] = [];
afterEach(async () => {
  await Promise.all(models.splice(0).map((model) => model.provider.close?.()));
  await server?.close();
  server = undefined;
});

const long = 'Summarise this report. '.repeat(100);

async function both(cachedInputShare: number) {
  server = await startMockServer({ cachedInputShare });
  const o = openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'gpt-4o-mini', maxRetries: 0 });
  const a = anthropic({ baseURL: server.anthropicBaseURL, apiKey: 'mock', model: 'claude-haiku-4-5', maxRetries: 0 });
  models.push(o, a);
  return { o, a };
}

describe('mock server cached-token usage', () => {
  it('reports a share of the prompt as cached, in both wire formats, chat and stream', async () => {
    const { o, a } = await both(0.75);
    for (const model of [o, a]) {
      const { usage } = await firstValueFrom(model.chat(long));
      expect(usage.cachedInputTokens, model.id).toBe(Math.floor(usage.inputTokens * 0.75));
      const chunks = await lastValueFrom(model.stream(long).pipe(toArray()));
      expect(chunks.at(-1)?.usage, model.id).toEqual(usage);
    }
  });

  it('reports no cache hit by default', async () => {
    server = await startMockServer();
    const o = openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'gpt-4o-mini', maxRetries: 0 });
    models.push(o);
    expect((await firstValueFrom(o.chat(long))).usage.cachedInputTokens).toBe(0);
  });

  it('rejects a share outside [0, 1], naming it', async () => {
    await expect(startMockServer({ cachedInputShare: 1.5 })).rejects.toThrow(InvalidOptionsError);
    await expect(startMockServer({ cachedInputShare: -1 })).rejects.toThrow(/cachedInputShare/);
  });
});
