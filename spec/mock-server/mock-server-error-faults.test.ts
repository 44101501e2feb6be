import { toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsufficientCreditsError, RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import type { LlmError } from '../../src/errors/llm-error.js';
import { type FaultKind, type MockServer, startMockServer } from '../../src/mock-server/index.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { errorOf } from '../support/settle.js';

// The error fault kinds of issue 16, as rxllm's own adapters read them: what a user's test against the mock sees.

let server: MockServer;
const models: ChatModel[] = [];

beforeAll(async () => {
  server = await startMockServer({ answerTokens: 6 });
});
afterAll(async () => {
  await Promise.all(models.map((model) => model.provider.close?.()));
  await server.close();
});

function modelFor(provider: 'openai' | 'anthropic', kind: FaultKind): ChatModel {
  const headers = { 'x-mock-fault': kind };
  const model =
    provider === 'openai'
      ? openai({ model: 'mock-model', baseURL: server.openaiBaseURL, apiKey: 'mock-key', maxRetries: 0, headers })
      : anthropic({ model: 'mock-model', baseURL: server.anthropicBaseURL, apiKey: 'mock-key', maxRetries: 0, headers });
  models.push(model);
  return model;
}

const both = ['openai', 'anthropic'] as const;

describe('error fault kinds through the adapters', () => {
  it.each(both)('insufficient-quota is a fatal InsufficientCreditsError (%s), where a plain 429 is not', async (provider) => {
    const error = (await errorOf(modelFor(provider, 'insufficient-quota').chat('Hi'))) as LlmError;
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error.fatal).toBe(true);
    expect(await errorOf(modelFor(provider, '429').chat('Hi'))).toBeInstanceOf(RateLimitError);
  });

  it('insufficient-quota answers OpenAI requests with its real 429', async () => {
    expect(await errorOf(modelFor('openai', 'insufficient-quota').chat('Hi'))).toMatchObject({ status: 429, code: 'insufficient_quota' });
  });

  it.each(both)('groq-429 is a retryable RateLimitError, not fatal (%s)', async (provider) => {
    const error = (await errorOf(modelFor(provider, 'groq-429').chat('Hi'))) as LlmError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', retryable: true, fatal: false });
  });

  it.each(both)('gateway-error is a RateLimitError with the request id behind the gateway (%s)', async (provider) => {
    const error = (await errorOf(modelFor(provider, 'gateway-error').stream('Hi').pipe(toArray()))) as LlmError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.message).toContain('litellm.RateLimitError');
    expect(error.requestId).toMatch(/^req_mock/);
  });

  it.each([
    ['openai', 500, 'server_error'],
    ['anthropic', 529, 'overloaded_error'],
  ] as const)('stream-error-event ends a 200 stream with the class of its error (%s)', async (provider, status, code) => {
    const streamed = (await errorOf(modelFor(provider, 'stream-error-event').stream('Hi').pipe(toArray()))) as LlmError;
    const answered = (await errorOf(modelFor(provider, 'stream-error-event').chat('Hi'))) as LlmError;
    for (const error of [streamed, answered]) {
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ status, code, retryable: true });
    }
  });
});

