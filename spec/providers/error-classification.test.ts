import { toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InsufficientCreditsError, RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import type { LlmError } from '../../src/errors/llm-error.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import {
  anthropicBilling402,
  anthropicOverloaded529,
  geminiOpenAIQuota429,
  geminiPerMinuteQuota429,
  groqRateLimit429,
  inStreamRateLimitEvents,
  liteLLMHeaders,
  liteLLMRateLimitSse,
  openAIInsufficientQuota429,
} from '../fixtures/error-bodies.js';
import { respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { completionBody } from '../support/openai-transcripts.js';
import { errorOf } from '../support/settle.js';

// Issue 16, first bullet: each adapter classifies by its provider's codes and types, never by words in a message.

const { server, keep } = useLocalModels();

function openAIModel(options: Partial<Parameters<typeof openai>[0]> = {}): ChatModel {
  return keep(openai({ model: 'test-model', baseURL: server.baseURL, apiKey: '', maxRetries: 0, ...options }));
}

function anthropicModel(): ChatModel {
  return keep(anthropic({ model: 'claude-test', apiKey: 'test-key', baseURL: server.url, maxRetries: 0 }));
}

const chatError = async (model: ChatModel) => (await errorOf(model.chat('Hi'))) as LlmError;
const streamError = async (model: ChatModel) => (await errorOf(model.stream('Hi').pipe(toArray()))) as LlmError;

describe('OpenAI-compatible error bodies', () => {
  it("keeps Groq's 429, whose message links to its billing page, a retryable RateLimitError", async () => {
    server.handle(respond.json(429, groqRateLimit429));
    const error = await chatError(openAIModel());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryable: true, fatal: false });
  });

  it("goes on past Groq 429s in parallelChat with onError 'continue'", async () => {
    let calls = 0;
    server.handle((exchange) => {
      calls += 1;
      return calls === 1 ? respond.json(429, groqRateLimit429)(exchange) : respond.json(200, completionBody('ok'))(exchange);
    });
    const results = await parallelChat(openAIModel(), ['a', 'b', 'c'], { onError: 'continue', maxActive: 1, rpm: Infinity, retry: { maxRetries: 0 } });
    expect(results[0]).toBeInstanceOf(RateLimitError);
    expect(results.slice(1).map((result) => (typeof result === 'object' && result !== null && 'text' in result ? result.text : result))).toEqual(['ok', 'ok']);
  });

  it.each([
    ['the array of its OpenAI-compatible endpoint', geminiOpenAIQuota429],
    ['its per-minute free-tier quota', geminiPerMinuteQuota429],
  ])("reads Gemini's RESOURCE_EXHAUSTED 429 (%s) as a rate limit", async (_name, body) => {
    server.handle(respond.json(429, body));
    const error = await chatError(openAIModel());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryable: true, fatal: false });
  });

  it("makes OpenAI's 429 insufficient_quota a fatal InsufficientCreditsError", async () => {
    server.handle(respond.json(429, openAIInsufficientQuota429));
    const error = await chatError(openAIModel());
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error).toMatchObject({ status: 429, code: 'insufficient_quota', fatal: true, retryable: false });
  });

  it("reads a gateway's error framed as server-sent events on an error status", async () => {
    server.handle(respond.bytes(liteLLMRateLimitSse, { status: 429, contentType: 'text/event-stream', headers: liteLLMHeaders }));
    const error = await streamError(openAIModel());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.message).toContain('litellm.RateLimitError');
    expect(error.requestId).toBe(liteLLMHeaders['llm_provider-x-request-id']);
  });

  it('reads an SSE-framed error on a 200 answer to a JSON request, status from its code', async () => {
    server.handle(respond.bytes(liteLLMRateLimitSse, { status: 200, contentType: 'text/event-stream' }));
    const error = await chatError(openAIModel());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.status).toBe(429);
  });

  it('reads an error event inside a 200 stream into its class', async () => {
    server.handle(respond.sse(inStreamRateLimitEvents));
    const error = await errorOf(openAIModel().provider.stream({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], params: {} }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
  });

  it.each([
    [{ 'x-request-id': 'req_plain' }, 'req_plain'],
    [{ 'llm_provider-x-request-id': 'req_upstream', 'x-litellm-call-id': 'call_1' }, 'req_upstream'],
    [{ 'x-litellm-call-id': 'call_1' }, 'call_1'],
  ])('finds the request id in %j', async (headers, requestId) => {
    server.handle(respond.json(500, { error: { message: 'boom' } }, headers));
    expect((await chatError(openAIModel())).requestId).toBe(requestId);
  });
});

describe('Anthropic error bodies', () => {
  it('makes billing_error a fatal InsufficientCreditsError', async () => {
    server.handle(respond.json(402, anthropicBilling402));
    const error = await chatError(anthropicModel());
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error).toMatchObject({ code: 'billing_error', fatal: true, requestId: anthropicBilling402.request_id });
  });

  it('makes billing_error fatal inside a 200 stream too', async () => {
    server.handle(respond.sse(`event: error\ndata: ${JSON.stringify(anthropicBilling402)}\n\n`));
    const error = await streamError(anthropicModel());
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error.status).toBe(402);
  });

  it('keeps overloaded_error 529 a retryable ServerError, as a status and as a stream event', async () => {
    server.enqueue(respond.json(529, anthropicOverloaded529), respond.sse(`event: error\ndata: ${JSON.stringify(anthropicOverloaded529)}\n\n`));
    const answered = await chatError(anthropicModel());
    const streamed = await streamError(anthropicModel());
    for (const error of [answered, streamed]) {
      expect(error).toBeInstanceOf(ServerError);
      expect(error).toMatchObject({ status: 529, code: 'overloaded_error', retryable: true, fatal: false });
    }
  });

  it("reads a gateway's SSE-framed error on an error status", async () => {
    const framed = `data: ${JSON.stringify({ error: { message: 'litellm.RateLimitError: slow down', type: null, param: null, code: '429' } })}\n\n`;
    server.handle(respond.bytes(framed, { status: 429, contentType: 'text/event-stream', headers: { 'x-litellm-call-id': 'call_9' } }));
    const error = await streamError(anthropicModel());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ requestId: 'call_9' });
    expect(error.message).toContain('slow down');
  });
});

