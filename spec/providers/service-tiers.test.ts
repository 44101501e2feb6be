import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BadRequestError, RateLimitError } from '../../src/errors/api-call-error.js';
import { InvalidOptionsError } from '../../src/errors/llm-error.js';
import { CapacityError, UnsupportedTierError } from '../../src/errors/tier-errors.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { chatModel } from '../../src/providers/chat-model-router.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { FLEX_TIMEOUT_MS, tieredTransport } from '../../src/providers/service-tiers.js';
import {
  anthropicStandardMessage,
  gatewayUnsupportedTier,
  groqCapacityExceeded,
  openAIFlexCompletion,
  openAIFlexUnavailable,
  unsupportedFlex,
} from '../fixtures/tier-fixtures.js';
import { respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { sseData } from '../support/openai-transcripts.js';
import { errorOf } from '../support/settle.js';

const { server, keep: track } = useLocalModels();
const openAIModel = (options: Partial<Parameters<typeof openai>[0]> = {}) =>
  track(openai({ model: 'gpt-5', baseURL: server.baseURL, apiKey: '', maxRetries: 0, ...options }));

describe('serviceTier on the wire', () => {
  it('sends OpenAI service_tier from params at any level and reads the tier that served it', async () => {
    server.handle(respond.json(200, openAIFlexCompletion));
    const model = openAIModel({ params: { serviceTier: 'flex' } });
    const response = await lastValueFrom(model.chat('Label: great'));
    expect(server.requests[0]!.body).toMatchObject({ service_tier: 'flex' });
    expect(response.serviceTier).toBe('flex');
    await lastValueFrom(model.chat({ messages: [{ role: 'user', content: 'x' }], params: { serviceTier: 'priority' } }));
    expect(server.requests[1]!.body).toMatchObject({ service_tier: 'priority' });
    await lastValueFrom(openAIModel().chat('x'));
    expect(server.requests[2]!.body).not.toHaveProperty('service_tier');
  });

  it('puts the streamed chunks\' service_tier on the final chunk', async () => {
    const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-5', service_tier: 'flex' };
    const transcript =
      sseData({ ...base, choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: null }] }) +
      sseData({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
      sseData({ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }) +
      'data: [DONE]\n\n';
    server.handle(respond.text(200, transcript, { 'content-type': 'text/event-stream' }));
    const chunks = await lastValueFrom(openAIModel({ params: { serviceTier: 'flex' } }).stream('x').pipe(toArray()));
    expect(chunks.at(-1)).toMatchObject({ serviceTier: 'flex', usage: { inputTokens: 3, outputTokens: 1 } });
  });

  it('sends and reads service_tier on the Responses API', async () => {
    server.handle(
      respond.json(200, {
        id: 'resp_1', object: 'response', status: 'completed', model: 'gpt-5', service_tier: 'flex',
        output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] }],
        usage: { input_tokens: 3, output_tokens: 1, total_tokens: 4 },
      }),
    );
    const response = await lastValueFrom(openAIModel({ api: 'responses', params: { serviceTier: 'flex' } }).chat('x'));
    expect(server.requests[0]!.body).toMatchObject({ service_tier: 'flex', store: false });
    expect(response.serviceTier).toBe('flex');
  });

  it("maps 'default' to Groq's on_demand and refuses priority, which Groq lacks, at construction and per call", async () => {
    server.handle(respond.json(200, { ...openAIFlexCompletion, service_tier: 'on_demand' }));
    const groq = track(chatModel('groq/llama-3.1-8b-instant', { baseURL: server.baseURL, apiKey: 'gsk-test', maxRetries: 0, params: { serviceTier: 'default' } }));
    expect((await lastValueFrom(groq.chat('x'))).serviceTier).toBe('on_demand');
    expect(server.requests[0]!.body).toMatchObject({ service_tier: 'on_demand' });
    expect(() => chatModel('groq/llama-3.1-8b-instant', { baseURL: server.baseURL, apiKey: 'gsk-test', params: { serviceTier: 'priority' } })).toThrow(
      /params\.serviceTier: groq has no service tier "priority"; its tiers are default, on_demand, auto, flex, performance/,
    );
    const error = await errorOf(groq.chat('x', { serviceTier: 'priority' }));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toMatch(/params\.serviceTier/);
    expect(server.requestCount).toBe(1); // nothing sent for the refused call
  });

  it('refuses any tier for a preset whose server has none (Cerebras)', () => {
    expect(() => chatModel('cerebras/llama3.1-8b', { baseURL: server.baseURL, apiKey: 'csk-test', params: { serviceTier: 'flex' } })).toThrow(/it has no service tiers/);
  });

  it("maps 'default' to Anthropic's standard_only, reads usage.service_tier, and refuses flex before sending", async () => {
    server.handle(respond.json(200, anthropicStandardMessage));
    const model = track(anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-test', baseURL: server.url, maxRetries: 0, params: { serviceTier: 'default' } }));
    const response = await lastValueFrom(model.chat('x'));
    expect(server.requests[0]!.body).toMatchObject({ service_tier: 'standard_only' });
    expect(response.serviceTier).toBe('standard');
    expect(() => anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-test', baseURL: server.url, params: { serviceTier: 'flex' } })).toThrow(
      /anthropic\(\) options\.params\.serviceTier: anthropic has no service tier "flex"/,
    );
    expect(await errorOf(model.chat('x', { serviceTier: 'priority' }))).toBeInstanceOf(InvalidOptionsError);
    expect(server.requestCount).toBe(1);
  });

  it('validates the parameter\'s shape, naming the field', () => {
    expect(() => openAIModel({ params: { serviceTier: 'Flex!' } })).toThrow(/params\.serviceTier/);
  });
});

describe('tier refusals', () => {
  it("makes OpenAI flex's 429 with budget left a CapacityError, and a 429 showing remaining 0 a RateLimitError", async () => {
    server.enqueue(respond.json(429, openAIFlexUnavailable.body, openAIFlexUnavailable.headers));
    server.enqueue(respond.json(429, openAIFlexUnavailable.body, { ...openAIFlexUnavailable.headers, 'x-ratelimit-remaining-requests': '0' }));
    const model = openAIModel({ params: { serviceTier: 'flex' } });
    const capacity = await errorOf(model.chat('x'));
    expect(capacity).toBeInstanceOf(CapacityError);
    expect(capacity).toMatchObject({ status: 429, tier: 'flex', retryable: true });
    const limited = await errorOf(model.chat('x'));
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited).not.toBeInstanceOf(CapacityError);
  });

  it('leaves a 429 to a request at the standard tier a RateLimitError', async () => {
    server.handle(respond.json(429, openAIFlexUnavailable.body, openAIFlexUnavailable.headers));
    expect(await errorOf(openAIModel().chat('x'))).toBeInstanceOf(RateLimitError);
  });

  it("makes Groq's 498 capacity_exceeded a retryable CapacityError", async () => {
    server.handle(respond.json(groqCapacityExceeded.status, groqCapacityExceeded.body));
    const groq = track(chatModel('groq/llama-3.1-8b-instant', { baseURL: server.baseURL, apiKey: 'gsk-test', maxRetries: 0, params: { serviceTier: 'flex' } }));
    expect(await errorOf(groq.chat('x'))).toMatchObject({ name: 'CapacityError', status: 498, tier: 'flex', retryable: true });
  });

  it("makes a 400 about param service_tier an UnsupportedTierError, whatever its sentence; other 400s stay BadRequestError", async () => {
    server.enqueue(respond.json(400, unsupportedFlex), respond.json(400, gatewayUnsupportedTier));
    server.enqueue(respond.json(400, { error: { ...unsupportedFlex.error, param: 'temperature' } }));
    const model = openAIModel({ params: { serviceTier: 'flex' } });
    expect(await errorOf(model.chat('x'))).toMatchObject({ name: 'UnsupportedTierError', tier: 'flex' });
    expect(await errorOf(model.chat('x'))).toBeInstanceOf(UnsupportedTierError);
    const other = await errorOf(model.chat('x'));
    expect(other).toBeInstanceOf(BadRequestError);
    expect(other).not.toBeInstanceOf(UnsupportedTierError);
  });
});

describe('flex timeout', () => {
  const settings = { baseURL: 'http://127.0.0.1:1', dispatcher: undefined as never, timeoutMs: 60_000, idleTimeoutMs: 60_000, maxResponseBytes: 1 };
  it('gives a flex request 15 minutes when the user set no timeout, and keeps a timeout the user set', () => {
    expect(tieredTransport({ ...settings, timeoutIsDefault: true }, 'flex').timeoutMs).toBe(FLEX_TIMEOUT_MS);
    expect(tieredTransport({ ...settings, timeoutIsDefault: true }, 'default').timeoutMs).toBe(60_000);
    expect(tieredTransport({ ...settings, timeoutIsDefault: false, timeoutMs: 5_000 }, 'flex').timeoutMs).toBe(5_000);
  });
});
