import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { APIConnectionError, ResponseValidationError } from '../../../src/errors/llm-error.js';
import { RateLimitError, ServerError } from '../../../src/errors/api-call-error.js';
import type { ChatProvider } from '../../../src/model/chat-provider.js';
import { createOpenAIProvider, isOpenAIHost, type OpenAIProviderSettings } from '../../../src/providers/openai-compatible/openai-provider.js';
import type { ProviderRequest } from '../../../src/types.js';
import type { ChatChunk } from '../../../src/types.js';
import { everyOffset, respond } from '../../support/local-server.js';
import { completionBody, deltaEvent, readFixture, sseData, streamTranscript } from '../../support/openai-transcripts.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { errorOf, settle } from '../../support/settle.js';

const local = useLocalModels();
const { server } = local;
let provider: ChatProvider;
beforeEach(() => {
  provider = makeProvider();
});

function makeProvider(overrides: Partial<OpenAIProviderSettings> = {}): ChatProvider {
  return createOpenAIProvider({ id: 'local', ...local.providerSettings(), ...overrides });
}

const request = (params: ProviderRequest['params'] = {}): ProviderRequest => ({
  model: 'test-model',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Capital of Peru?' },
  ],
  params,
});

const chunksOf = (source: ReturnType<ChatProvider['stream']>) => lastValueFrom(source.pipe(toArray()));

describe('wire request', () => {
  it('maps every parameter to its snake_case wire field, extra last', async () => {
    server.handle(respond.json(200, completionBody('Lima')));
    await lastValueFrom(
      provider.chat(
        request({
          maxTokens: 20,
          temperature: 0.2,
          topP: 0.9,
          stop: ['\n'],
          seed: 7,
          responseFormat: { type: 'json_schema', name: 'city', schema: { type: 'object' } },
          extra: { logprobs: true, temperature: 0.3 },
        }),
      ),
    );
    expect(server.requests[0]!.path).toBe('/v1/chat/completions');
    expect(server.requests[0]!.body).toEqual({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of Peru?' },
      ],
      max_tokens: 20,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['\n'],
      seed: 7,
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object' }, strict: true } },
      logprobs: true,
    });
  });

  it('sends max_completion_tokens when told to (the default for api.openai.com)', async () => {
    server.handle(respond.json(200, completionBody('x')));
    await lastValueFrom(makeProvider({ maxTokensField: 'max_completion_tokens' }).chat(request({ maxTokens: 5 })));
    expect(server.requests[0]!.body).toMatchObject({ max_completion_tokens: 5 });
    expect(server.requests[0]!.body).not.toHaveProperty('max_tokens');
    expect(isOpenAIHost('https://api.openai.com/v1')).toBe(true);
    expect(isOpenAIHost('https://API.OpenAI.com/v1/')).toBe(true);
    expect(isOpenAIHost('https://api.groq.com/openai/v1')).toBe(false);
  });

  it('asks for usage in streams, and lets extra remove stream_options', async () => {
    server.handle(respond.sse(streamTranscript(['a'])));
    await chunksOf(provider.stream(request()));
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    await chunksOf(provider.stream(request({ extra: { stream_options: undefined } })));
    expect(server.requests[1]!.body).not.toHaveProperty('stream_options');
  });

  it('sends the key, organization, project and custom headers; no Authorization without a key', async () => {
    server.handle(respond.json(200, completionBody('x')));
    await lastValueFrom(makeProvider({ apiKey: 'sk-abc123', organization: 'org-1', project: 'proj-1', headers: { 'x-extra': 'yes' } }).chat(request()));
    expect(server.requests[0]!.headers).toMatchObject({
      authorization: 'Bearer sk-abc123',
      'openai-organization': 'org-1',
      'openai-project': 'proj-1',
      'x-extra': 'yes',
    });
    await lastValueFrom(provider.chat(request()));
    expect(server.requests[1]!.headers).not.toHaveProperty('authorization');
  });

  it('says whether it supports prefill', () => {
    expect(provider.supportsPrefill).toBe(false);
    expect(makeProvider({ supportsPrefill: true }).supportsPrefill).toBe(true);
    expect(provider.id).toBe('local');
  });
});

describe('chat', () => {
  it('maps a recorded completion to a ChatResponse', async () => {
    const body = JSON.parse(readFixture('openai-chat.json')) as Record<string, unknown>;
    server.handle(respond.json(200, body, { 'x-request-id': 'req_abc', 'x-ratelimit-remaining-tokens': '149984', 'x-ratelimit-reset-tokens': '6ms' }));
    const response = await lastValueFrom(provider.chat(request()));
    expect(response).toEqual({
      text: 'héllo 👋 世界',
      finishReason: 'stop',
      usage: { inputTokens: 9, outputTokens: 7 },
      model: 'gpt-4o-mini-2024-07-18',
      requestId: 'req_abc',
      rateLimit: { remainingTokens: 149_984, resetTokensMs: 6 },
      raw: body,
    });
  });

  it("reads only OpenAI's rate-limit headers: Anthropic's on the same response are not its provider's", async () => {
    const body = JSON.parse(readFixture('openai-chat.json')) as Record<string, unknown>;
    server.handle(
      respond.json(200, body, {
        'x-ratelimit-remaining-requests': '9',
        'X-RateLimit-Reset-Requests': '1s',
        'anthropic-ratelimit-requests-remaining': '3',
        'anthropic-ratelimit-output-tokens-remaining': '100',
        'retry-after-ms': '20',
      }),
    );
    const response = await lastValueFrom(provider.chat(request()));
    expect(response.rateLimit).toEqual({ remainingRequests: 9, resetRequestsMs: 1000, retryAfterMs: 20 });
  });

  it('tolerates what compatible servers omit: id, model, usage, content, finish_reason', async () => {
    server.handle(respond.json(200, { choices: [{ message: { role: 'assistant', content: null } }] }));
    expect(await lastValueFrom(provider.chat(request()))).toMatchObject({
      text: '',
      finishReason: null,
      usage: { inputTokens: 0, outputTokens: 0 },
      model: 'test-model',
    });
  });

  it('fails with ResponseValidationError carrying zod issues when the shape is wrong', async () => {
    server.enqueue(respond.json(200, { object: 'chat.completion' }), respond.json(200, { choices: [{ message: { content: 42 } }] }));
    for (const path of ['choices', 'choices.0.message.content']) {
      const error = await errorOf(provider.chat(request()));
      expect(error).toBeInstanceOf(ResponseValidationError);
      expect((error as ResponseValidationError).issues?.length).toBeGreaterThan(0);
      expect((error as Error).message).toContain(path);
    }
  });

  it('maps an error envelope served with 200 to its error class', async () => {
    server.handle(respond.json(200, { error: { message: 'Rate limit', type: 'requests', code: 'rate_limit_exceeded' } }));
    expect(await errorOf(provider.chat(request()))).toBeInstanceOf(RateLimitError);
  });
});

describe('stream', () => {
  it('maps a recorded stream: text deltas, meta on the first chunk, one final chunk with finishReason and usage', async () => {
    server.handle(respond.sse(readFixture('openai-stream.sse'), { headers: { 'x-request-id': 'req_s', 'x-ratelimit-remaining-requests': '9' }, splitAt: [10, 500, 1000] }));
    const chunks = await chunksOf(provider.stream(request()));
    expect(chunks).toEqual([
      { text: 'h', model: 'gpt-4o-mini-2024-07-18', requestId: 'req_s', rateLimit: { remainingRequests: 9 } },
      { text: 'éllo' },
      { text: ' 👋' },
      { text: ' 世' },
      { text: '界' },
      { text: '', finishReason: 'stop', usage: { inputTokens: 9, outputTokens: 7 } },
    ]);
  });

  it('gives identical chunks for the transcript cut at every byte boundary', async () => {
    const compact = readFixture('openai-stream-compact.sse');
    const expected: ChatChunk[] = [
      { text: 'héllo', model: 'test-model' },
      { text: ' 👋 世' },
      { text: '界' },
      { text: '', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 5 } },
    ];
    server.handle(respond.sse(compact));
    expect(await chunksOf(provider.stream(request()))).toEqual(expected);
    const offsets = everyOffset(Buffer.byteLength(compact));
    server.enqueue(...offsets.map((offset) => respond.sse(compact, { splitAt: [offset], gapMs: 0 })));
    // Eight streams at a time; each takes the next scripted split, and every split must give the same chunks.
    const results = await lastValueFrom(from(offsets).pipe(mergeMap(() => chunksOf(provider.stream(request())), 8), toArray()));
    expect(results).toHaveLength(offsets.length);
    for (const chunks of results) expect(chunks).toEqual(expected);
    expect(server.requestCount).toBe(offsets.length + 1);
  });

  it('emits one final chunk when usage comes with the finish reason, and none of the empty chunks', async () => {
    server.handle(
      respond.sse(
        sseData({ choices: [{ delta: { role: 'assistant' } }] }) +
          sseData({ choices: [{ delta: { content: '' } }] }) +
          deltaEvent('Hi') +
          sseData({ choices: [{ delta: {}, finish_reason: 'length' }], usage: { prompt_tokens: 1, completion_tokens: 2 } }) +
          'data: [DONE]\n\n',
      ),
    );
    expect(await chunksOf(provider.stream(request()))).toEqual([
      { text: 'Hi', model: 'test-model' },
      { text: '', finishReason: 'length', usage: { inputTokens: 1, outputTokens: 2 } },
    ]);
  });

  it('ends with a finishReason-only final chunk when the server sends no usage', async () => {
    server.handle(respond.sse(streamTranscript(['a', 'b'], { usage: null })));
    expect((await chunksOf(provider.stream(request()))).at(-1)).toEqual({ text: '', finishReason: 'stop' });
  });

  it('puts the meta on the final chunk when no text came', async () => {
    server.handle(respond.sse(streamTranscript([], { usage: { prompt_tokens: 4, completion_tokens: 0 } }), { headers: { 'x-request-id': 'req_empty' } }));
    expect(await chunksOf(provider.stream(request()))).toEqual([
      { text: '', finishReason: 'stop', usage: { inputTokens: 4, outputTokens: 0 }, model: 'test-model', requestId: 'req_empty' },
    ]);
  });

  it('completes without [DONE] when a finish reason arrived', async () => {
    server.handle(respond.sse(streamTranscript(['a'], { done: false })));
    expect((await chunksOf(provider.stream(request()))).at(-1)).toMatchObject({ finishReason: 'stop' });
  });

  it('fails with APIConnectionError when the stream ends with neither [DONE] nor a finish reason', async () => {
    server.handle(respond.sse(deltaEvent('par') + deltaEvent('tial')));
    const { values, error } = await settle(provider.stream(request()));
    expect(values.map((chunk) => chunk.text)).toEqual(['par', 'tial']);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error).message).toContain('ended early');
  });

  it('completes at [DONE] even when the server keeps the body open', async () => {
    server.handle(respond.sse(streamTranscript(['x']), { then: 'hang' }));
    expect((await chunksOf(provider.stream(request()))).map((chunk) => chunk.text)).toEqual(['x', '']);
  });

  it('maps an error event to its class', async () => {
    server.enqueue(respond.sse(deltaEvent('a') + sseData({ error: { message: 'The server had an error', type: 'server_error' } })));
    server.enqueue(respond.sse(`event: error\ndata: ${JSON.stringify({ error: { message: 'slow', code: 'rate_limit_exceeded' } })}\n\n`));
    const first = await settle(provider.stream(request()));
    expect(first.values.map((chunk) => chunk.text)).toEqual(['a']);
    expect(first.error).toBeInstanceOf(ServerError);
    expect(first.error).toMatchObject({ status: 500, retryable: true });
    expect(await errorOf(provider.stream(request()))).toBeInstanceOf(RateLimitError);
  });

  it('fails with a retryable APIConnectionError on malformed JSON in a data event, ResponseValidationError on the wrong shape', async () => {
    server.enqueue(respond.sse('data: {"choices": [\n\n'), respond.sse(sseData({ choices: 'nope' })));
    expect(await errorOf(provider.stream(request()))).toMatchObject({ name: 'APIConnectionError', code: 'malformed_body', retryable: true });
    const shape = await errorOf(provider.stream(request()));
    expect(shape).toBeInstanceOf(ResponseValidationError);
    expect((shape as ResponseValidationError).issues?.length).toBeGreaterThan(0);
  });
});
