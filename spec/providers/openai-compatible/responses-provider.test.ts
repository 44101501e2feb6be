import { lastValueFrom, take, toArray } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { InsufficientCreditsError, ServerError } from '../../../src/errors/api-call-error.js';
import { APIConnectionError, InvalidOptionsError, ResponseValidationError } from '../../../src/errors/llm-error.js';
import type { ChatProvider } from '../../../src/model/chat-provider.js';
import type { ProviderRequest } from '../../../src/types.js';
import { createResponsesProvider, type ResponsesProviderSettings } from '../../../src/providers/openai-compatible/responses-provider.js';
import { respond } from '../../support/local-server.js';
import { readFixture, sseData } from '../../support/openai-transcripts.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { errorOf } from '../../support/settle.js';
import {
  responsesIncompleteBody,
  responsesOverloadedEvents,
  responsesQuotaEvents,
  responsesReasoningBody,
  responsesRefusalBody,
} from '../../fixtures/responses-fixtures.js';

const local = useLocalModels();
const { server } = local;
let provider: ChatProvider;
beforeEach(() => {
  provider = makeProvider();
});

function makeProvider(overrides: Partial<ResponsesProviderSettings> = {}): ChatProvider {
  return createResponsesProvider({ id: 'openai', apiKey: 'sk-test-responses-0123456789', ...local.providerSettings(), ...overrides });
}

const request = (params: ProviderRequest['params'] = {}, messages?: ProviderRequest['messages']): ProviderRequest => ({
  model: 'gpt-5-pro',
  messages: messages ?? [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Capital of Peru?' },
  ],
  params,
});

const chunksOf = (source: ReturnType<ChatProvider['stream']>) => lastValueFrom(source.pipe(toArray()));
const events = (list: readonly unknown[]) => list.map((event) => sseData(event)).join('');

describe('wire request', () => {
  it('POSTs /v1/responses with instructions, input items, max_output_tokens, text.format and store: false, no sampling params for a reasoning model', async () => {
    server.handle(respond.json(200, responsesReasoningBody));
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    await lastValueFrom(
      makeProvider({ reasoning: { effort: 'high', summary: 'auto' } }).chat(
        request(
          { maxTokens: 64, temperature: 1, topP: 0.5, responseFormat: { type: 'json_schema', name: 'city', schema } },
          [
            { role: 'system', content: 'Be brief.' },
            { role: 'developer', content: 'Answer in JSON.' },
            { role: 'user', content: [{ type: 'text', text: 'Where?' }, { type: 'image', url: 'https://example.com/a.png' }] },
            { role: 'assistant', content: [{ type: 'text', text: 'Lima.' }] },
            { role: 'user', content: [{ type: 'document', data: 'JVBERi0=', mediaType: 'application/pdf', title: 'a.pdf' }] },
          ],
        ),
      ),
    );
    const recorded = server.requests[0]!;
    expect(recorded.path).toBe('/v1/responses');
    expect(recorded.headers.authorization).toBe('Bearer sk-test-responses-0123456789');
    expect(recorded.body).toEqual({
      model: 'gpt-5-pro',
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Answer in JSON.' },
        { role: 'user', content: [{ type: 'input_text', text: 'Where?' }, { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' }] },
        { role: 'assistant', content: 'Lima.' },
        { role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' }] },
      ],
      max_output_tokens: 64,
      // No temperature / top_p: gpt-5-pro is a reasoning model (reasoning-sampling-params.test.ts sends them for others).
      text: { format: { type: 'json_schema', name: 'city', schema, strict: true } },
      reasoning: { effort: 'high', summary: 'auto' },
      store: false,
    });
  });

  it('lets extra decide storage and add raw fields; a stream adds stream: true', async () => {
    server.handle(respond.sse(readFixture('openai-responses-stream.sse')));
    await chunksOf(provider.stream(request({ extra: { store: true, service_tier: 'flex' } })));
    expect(server.requests[0]!.body).toMatchObject({ store: true, stream: true, service_tier: 'flex' });
  });

  it.each([
    [{ maxTokens: 15 }, 'params.maxTokens'],
    [{ stop: 'x' }, 'params.stop'],
    [{ seed: 1 }, 'params.seed'],
  ] as const)('refuses %o before sending, naming the field', async (params, field) => {
    const error = await errorOf(provider.chat(request(params)));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toContain(field);
    expect(server.requestCount).toBe(0);
  });
});

describe('chat', () => {
  it('reads message text, not the reasoning item, with usage details, request id and rate limit', async () => {
    server.handle(respond.json(200, responsesReasoningBody, { 'x-request-id': 'req_r1', 'x-ratelimit-remaining-requests': '9' }));
    const response = await lastValueFrom(provider.chat(request()));
    expect(response).toMatchObject({
      text: 'The answer is 42',
      finishReason: 'stop',
      model: 'o3',
      usage: { inputTokens: 0, outputTokens: 6, cachedInputTokens: 0, reasoningTokens: 2 },
      requestId: 'req_r1',
      rateLimit: { remainingRequests: 9 },
    });
  });

  it('turns an incomplete reasoning-only answer into empty text with finish reason length', async () => {
    server.handle(respond.json(200, responsesIncompleteBody));
    const response = await lastValueFrom(provider.chat(request()));
    expect(response).toMatchObject({ text: '', finishReason: 'length', usage: { inputTokens: 120, outputTokens: 16, cachedInputTokens: 64, reasoningTokens: 16 } });
  });

  it('maps incomplete content_filter to finish reason content_filter', async () => {
    server.handle(respond.json(200, { ...responsesIncompleteBody, incomplete_details: { reason: 'content_filter' } }));
    expect((await lastValueFrom(provider.chat(request()))).finishReason).toBe('content_filter');
  });

  it('gives a refusal part as finishReason refusal with its text', async () => {
    server.handle(respond.json(200, responsesRefusalBody));
    const response = await lastValueFrom(provider.chat(request()));
    expect(response).toMatchObject({ text: "I'm very sorry, but I can't assist with that request.", finishReason: 'refusal' });
  });

  it('fails a 2xx failed response with the class of its error code', async () => {
    server.handle(respond.json(200, { ...responsesRefusalBody, status: 'failed', output: [], error: { code: 'server_error', message: 'boom' } }));
    expect(await errorOf(provider.chat(request()))).toBeInstanceOf(ServerError);
  });

  it('fails a body without output with ResponseValidationError', async () => {
    server.handle(respond.json(200, { id: 'resp_x', status: 'completed' }));
    expect(await errorOf(provider.chat(request()))).toBeInstanceOf(ResponseValidationError);
  });
});

describe('stream', () => {
  it('emits the recorded deltas, then one final chunk, and completes without [DONE]', async () => {
    server.handle(respond.sse(readFixture('openai-responses-stream.sse'), { then: 'end' }));
    const chunks = await chunksOf(provider.stream(request()));
    expect(chunks.map((chunk) => chunk.text)).toEqual(['Hello ', 'world', '']);
    expect(chunks[0]!.model).toBe('gpt-4o-2024-08-06');
    expect(chunks.at(-1)).toMatchObject({ finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 2, cachedInputTokens: 0, reasoningTokens: 0 } });
  });

  it('leaves reasoning deltas out of the text', async () => {
    server.handle(respond.sse(readFixture('openai-responses-reasoning-stream.sse')));
    const chunks = await chunksOf(provider.stream(request()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('The answer is 42');
    expect(chunks.at(-1)!.usage).toEqual({ inputTokens: 0, outputTokens: 6, cachedInputTokens: 0, reasoningTokens: 2 });
  });

  it('completes at the terminal event even when the server keeps the body open', async () => {
    server.handle(respond.sse(readFixture('openai-responses-stream.sse'), { then: 'hang' }));
    const chunks = await chunksOf(provider.stream(request()));
    expect(chunks.at(-1)!.finishReason).toBe('stop');
  });

  it('ends response.incomplete with finish reason length', async () => {
    server.handle(respond.sse(events([{ type: 'response.output_text.delta', delta: 'Li' }, { type: 'response.incomplete', response: responsesIncompleteBody }])));
    const chunks = await chunksOf(provider.stream(request()));
    expect(chunks.map((chunk) => [chunk.text, chunk.finishReason])).toEqual([['Li', undefined], ['', 'length']]);
  });

  it('emits refusal deltas and says refusal at the end', async () => {
    server.handle(respond.sse(events([
      { type: 'response.refusal.delta', delta: "I'm sorry" },
      { type: 'response.refusal.done', refusal: "I'm sorry" },
      { type: 'response.completed', response: responsesRefusalBody },
    ])));
    const chunks = await chunksOf(provider.stream(request()));
    expect(chunks.map((chunk) => [chunk.text, chunk.finishReason])).toEqual([["I'm sorry", undefined], ['', 'refusal']]);
  });

  it('ignores unknown events', async () => {
    server.handle(respond.sse(events([
      { type: 'response.queued', response: { status: 'queued' } },
      { type: 'response.web_search_call.searching', item_id: 'ws_1' },
      { type: 'response.output_text.delta', delta: 'ok', obfuscation: 'x9', logprobs: [] },
      { type: 'response.completed', response: responsesReasoningBody },
    ])));
    const chunks = await chunksOf(provider.stream(request()));
    expect(chunks.map((chunk) => chunk.text)).toEqual(['ok', '']);
  });

  it('fails a nested in-stream error once, retryable, and never reads the response.failed after it', async () => {
    server.handle(respond.sse(events(responsesOverloadedEvents)));
    const error = await errorOf(provider.stream(request()));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'server_is_overloaded', retryable: true });
  });

  it('fails the top-level form of the overload error event as retryable too, and once', async () => {
    const [created, inProgress, nested, failed] = responsesOverloadedEvents as [unknown, unknown, { error: Record<string, unknown> }, unknown];
    const { type: _type, ...fields } = nested.error;
    server.handle(respond.sse(events([created, inProgress, { type: 'error', sequence_number: 2, ...fields }, failed])));
    const error = await errorOf(provider.stream(request()));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'server_is_overloaded', retryable: true });
  });

  it('reads the top-level error event form, and an in-stream insufficient_quota is fatal', async () => {
    server.handle(respond.sse(events(responsesQuotaEvents)));
    const error = await errorOf(provider.stream(request()));
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error).toMatchObject({ fatal: true });
  });

  it('fails a response.failed alone with the class of its error code', async () => {
    server.handle(respond.sse(events([responsesOverloadedEvents[3]])));
    expect(await errorOf(provider.stream(request()))).toBeInstanceOf(ServerError);
  });

  it('fails a body that ends before a terminal event with APIConnectionError', async () => {
    server.handle(respond.sse(events([{ type: 'response.output_text.delta', delta: 'Li' }])));
    const error = await errorOf(provider.stream(request()).pipe(take(5)));
    expect(error).toBeInstanceOf(APIConnectionError);
  });
});
