import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  anthropic,
  APIConnectionError,
  AuthenticationError,
  BadRequestError,
  type ChatModel,
  InsufficientCreditsError,
  InvalidOptionsError,
  LlmError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ResponseValidationError,
  ServerError,
  StreamInterruptedError,
} from '../../../src/index.js';
import { respond } from '../../support/local-server.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { readFixture } from '../../support/openai-transcripts.js';
import { errorBody, messageBody, sse, textStream, textStreamEvents, toolMessageBody } from './anthropic-transcripts.js';

const KEY = 'sk-ant-test-key-0123456789';

const { server, keep } = useLocalModels();

function model(options: Partial<Parameters<typeof anthropic>[0]> = {}): ChatModel {
  return keep(anthropic({ model: 'claude-test', apiKey: KEY, baseURL: server.url, maxRetries: 0, ...options }));
}

async function failure(promise: Promise<unknown>): Promise<LlmError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LlmError);
    return error as LlmError;
  }
  throw new Error('expected a failure');
}

describe('anthropic() requests', () => {
  it('posts to /v1/messages with x-api-key, anthropic-version and the mapped body', async () => {
    server.handle(respond.json(200, messageBody('ok')));
    await firstValueFrom(
      model({ params: { temperature: 0.2 } }).chat({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'system', content: 'Answer in English.' },
          { role: 'user', content: 'First.' },
          { role: 'user', content: 'Second.' },
          { role: 'assistant', content: 'Reply.' },
          { role: 'user', content: 'Third.' },
        ],
        params: { topP: 0.9, stop: 'END', seed: 7, extra: { top_k: 5, temperature: 0.7 } },
      }),
    );
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/messages');
    expect(request.headers['x-api-key']).toBe(KEY);
    expect(request.headers['anthropic-version']).toBe('2023-06-01');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body).toEqual({
      model: 'claude-test',
      max_tokens: 4096,
      system: 'Be brief.\n\nAnswer in English.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'First.' }, { type: 'text', text: 'Second.' }] },
        { role: 'assistant', content: 'Reply.' },
        { role: 'user', content: 'Third.' },
      ],
      temperature: 0.7, // extra is merged last
      top_p: 0.9,
      stop_sequences: ['END'],
      top_k: 5,
    });
  });

  it('sends maxTokens from the call, else from the factory option', async () => {
    server.handle(respond.json(200, messageBody('ok')));
    const m = model({ maxTokens: 300 });
    await firstValueFrom(m.chat('a'));
    await firstValueFrom(m.chat('b', { maxTokens: 20 }));
    expect((server.requests[0]!.body as { max_tokens: number }).max_tokens).toBe(300);
    expect((server.requests[1]!.body as { max_tokens: number }).max_tokens).toBe(20);
    expect(m.params.maxTokens).toBe(300);
  });

  it('continues a trailing assistant message (prefill), trimming its trailing whitespace', async () => {
    server.handle(respond.json(200, messageBody(' Lima.')));
    const m = model();
    expect(m.provider.supportsPrefill).toBe(true);
    await firstValueFrom(m.chat([{ role: 'user', content: 'Capital of Peru?' }, { role: 'assistant', content: 'The capital is \n' }]));
    expect((server.requests[0]!.body as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: 'Capital of Peru?' },
      { role: 'assistant', content: 'The capital is' },
    ]);
  });

  it('sends nothing before subscription and aborts the socket on unsubscribe', async () => {
    server.handle(respond.hang());
    const chat = model().chat('Hi');
    expect(server.requestCount).toBe(0);
    const subscription = chat.subscribe({ error: () => undefined });
    await server.waitForRequests(1);
    subscription.unsubscribe();
    await expect(server.requests[0]!.closed).resolves.toEqual({ aborted: true });
  });

  it('rejects a request with only system messages without sending it', async () => {
    const error = await failure(firstValueFrom(model().chat([{ role: 'system', content: 'Only rules.' }])));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(server.requestCount).toBe(0);
  });
});

describe('anthropic() responses', () => {
  it('maps a message: joined text blocks, stop_reason, usage, model, request-id and rate-limit headers', async () => {
    const reset = new Date(Date.now() + 30_000).toISOString();
    server.handle(
      respond.json(200, JSON.parse(readFixture('anthropic-message.json')), {
        'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy',
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-requests-reset': reset,
        'anthropic-ratelimit-input-tokens-limit': '40000',
        'anthropic-ratelimit-input-tokens-remaining': '39000',
        'anthropic-ratelimit-input-tokens-reset': reset,
        'anthropic-ratelimit-output-tokens-limit': '8000',
        'anthropic-ratelimit-output-tokens-remaining': '7900',
        'anthropic-ratelimit-output-tokens-reset': reset,
      }),
    );
    const response = await firstValueFrom(model().chat('Capital of Peru?'));
    expect(response.text).toBe('Lima is the capital of Perú.');
    expect(response.finishReason).toBe('end_turn');
    expect(response.usage).toEqual({ inputTokens: 21, outputTokens: 9, cachedInputTokens: 0, cacheWriteInputTokens: 0 });
    expect(response.model).toBe('claude-haiku-4-5-20251001');
    expect(response.requestId).toBe('req_011CSHoEeqs5C35K2UUqR7Fy');
    expect(response.rateLimit).toMatchObject({
      limitRequests: 50,
      remainingRequests: 49,
      limitInputTokens: 40000,
      remainingInputTokens: 39000,
      limitOutputTokens: 8000,
      remainingOutputTokens: 7900,
    });
    expect(response.rateLimit!.resetInputTokensMs).toBeGreaterThan(20_000);
    expect(response.rateLimit!.resetOutputTokensMs).toBeLessThanOrEqual(30_000);
    expect(response.raw).toMatchObject({ id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF' });
  });

  it("reads only Anthropic's rate-limit headers: OpenAI's on the same response are not its provider's", async () => {
    server.handle(
      respond.json(200, JSON.parse(readFixture('anthropic-message.json')), {
        'anthropic-ratelimit-output-tokens-remaining': '100',
        'x-ratelimit-remaining-tokens': '5',
        'x-ratelimit-reset-tokens': '6m0s',
        'retry-after': '2',
      }),
    );
    const response = await firstValueFrom(model().chat('Capital of Peru?'));
    expect(response.rateLimit).toEqual({ remainingOutputTokens: 100, retryAfterMs: 2000 });
  });

  it('counts prompt-cache tokens as input tokens', async () => {
    const body = messageBody('ok');
    body.usage = { input_tokens: 5, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 3 };
    server.handle(respond.json(200, body));
    expect((await firstValueFrom(model().chat('Hi'))).usage).toEqual({ inputTokens: 1105, outputTokens: 3, cachedInputTokens: 1000, cacheWriteInputTokens: 100 });
  });

  it('fails with ResponseValidationError on a body of the wrong shape', async () => {
    server.handle(respond.json(200, { id: 'msg', content: 'not an array' }));
    const error = await failure(firstValueFrom(model().chat('Hi')));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues?.length).toBeGreaterThan(0);
  });

  it('maps an error envelope sent with a 200 to its error class', async () => {
    server.handle(respond.json(200, errorBody('overloaded_error', 'Overloaded')));
    const error = await failure(firstValueFrom(model().chat('Hi')));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.status).toBe(529);
  });
});

describe('anthropic() errors', () => {
  const cases: Array<[number, string, string, new (...args: never[]) => LlmError, { retryable: boolean; fatal: boolean }]> = [
    [400, 'invalid_request_error', 'max_tokens: Field required', BadRequestError, { retryable: false, fatal: false }],
    [401, 'authentication_error', 'invalid x-api-key', AuthenticationError, { retryable: false, fatal: true }],
    [403, 'permission_error', 'Your API key does not have permission to use the specified resource.', PermissionDeniedError, { retryable: false, fatal: true }],
    [404, 'not_found_error', 'model: claude-nope', NotFoundError, { retryable: false, fatal: false }],
    [429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', RateLimitError, { retryable: true, fatal: false }],
    [500, 'api_error', 'Internal server error', ServerError, { retryable: true, fatal: false }],
    [529, 'overloaded_error', 'Overloaded', ServerError, { retryable: true, fatal: false }],
    [400, 'invalid_request_error', 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.', InsufficientCreditsError, { retryable: false, fatal: true }],
    [402, 'billing_error', 'Payment required', InsufficientCreditsError, { retryable: false, fatal: true }],
  ];
  for (const [status, type, message, errorClass, flags] of cases) {
    it(`maps ${status} ${type} (${message.slice(0, 24)}…) to ${errorClass.name}`, async () => {
      server.handle(respond.json(status, errorBody(type, message), { 'request-id': 'req_err' }));
      const error = await failure(firstValueFrom(model().chat('Hi')));
      expect(error).toBeInstanceOf(errorClass);
      expect(error.status).toBe(status);
      expect(error.code).toBe(type);
      expect(error.provider).toBe('anthropic');
      expect(error.requestId).toBe('req_err');
      expect({ retryable: error.retryable, fatal: error.fatal }).toEqual(flags);
      expect(error.message).toContain(message.slice(0, 20));
    });
  }

  it('treats an exhausted spend limit as fatal InsufficientCreditsError', async () => {
    // The sentence as BerriAI/litellm#37599 quotes Anthropic's 400.
    server.enqueue(respond.json(400, errorBody('invalid_request_error', 'You have reached your specified API usage limits. You will regain access on 2026-09-01 at 00:00 UTC.')));
    for (let i = 0; i < 1; i += 1) {
      const error = await failure(firstValueFrom(model().chat('Hi')));
      expect(error).toBeInstanceOf(InsufficientCreditsError);
      expect(error.fatal).toBe(true);
    }
  });

  it('reads retry-after on a 429 and retries a 529 until it succeeds', async () => {
    server.enqueue(
      respond.json(429, errorBody('rate_limit_error', 'slow down'), { 'retry-after': '7' }),
    );
    const error = await failure(firstValueFrom(model().chat('Hi')));
    expect(error.retryAfterMs).toBe(7000);

    server.enqueue(respond.json(529, errorBody('overloaded_error', 'Overloaded')), respond.json(529, errorBody('overloaded_error', 'Overloaded')));
    server.handle(respond.json(200, messageBody('finally')));
    const retried = model({ maxRetries: 2, retry: { initialDelayMs: 1, jitter: false } });
    expect((await firstValueFrom(retried.chat('Hi'))).text).toBe('finally');
    expect(server.requestCount).toBe(4);
  });

  it('never shows the API key in an error, even when the server echoes it', async () => {
    server.handle(respond.json(401, errorBody('authentication_error', `invalid x-api-key ${KEY}`)));
    const error = await failure(firstValueFrom(model().chat('Hi')));
    expect(error.message).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(JSON.stringify(error.body)).not.toContain(KEY);
  });
});

describe('anthropic() streams', () => {
  it('streams text deltas split anywhere (even inside a UTF-8 character), ignoring ping, with usage on the final chunk', async () => {
    const transcript = readFixture('anthropic-stream.sse');
    const emoji = Buffer.from(transcript).indexOf(Buffer.from('🇵🇪'));
    server.handle(
      respond.sse(transcript, {
        splitAt: [3, 17, 140, 400, emoji + 1, emoji + 5, emoji + 6, 900, 1100],
        headers: { 'request-id': 'req_stream', 'anthropic-ratelimit-output-tokens-remaining': '100' },
      }),
    );
    const chunks = await lastValueFrom(model().stream('Capital of Peru?').pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('Lima, Perú 🇵🇪!');
    expect(chunks[0]).toMatchObject({ text: 'Lima, ', requestId: 'req_stream', model: 'claude-haiku-4-5-20251001', rateLimit: { remainingOutputTokens: 100 } });
    expect(chunks.at(-1)).toEqual({ text: '', finishReason: 'end_turn', usage: { inputTokens: 25, outputTokens: 15, cachedInputTokens: 0, cacheWriteInputTokens: 0 } });
    expect(chunks.filter((chunk) => chunk.usage !== undefined)).toHaveLength(1);
    const body = server.requests[0]!.body as Record<string, unknown>;
    expect(body.stream).toBe(true);
    expect(body.max_tokens).toBe(4096);
  });

  it('fails a stream interrupted by an error event with StreamInterruptedError keeping the partial text', async () => {
    server.handle(respond.sse(readFixture('anthropic-stream-overloaded.sse')));
    const error = await failure(lastValueFrom(model({ maxRetries: 2 }).stream('Hi')));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partialText).toBe('Lima');
    expect(error.cause).toBeInstanceOf(ServerError);
    expect((error.cause as ServerError).status).toBe(529);
    expect(server.requestCount).toBe(1); // never re-sent after the first chunk
  });

  it('maps an error event to its class on the provider, and retries it when it comes before the first chunk', async () => {
    const overloaded = sse([
      textStreamEvents([])[0]!,
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ]);
    server.enqueue(respond.sse(overloaded));
    const m = model({ maxRetries: 1, retry: { initialDelayMs: 1, jitter: false } });
    const direct = await failure(lastValueFrom(m.provider.stream(m.resolve('Hi'))));
    expect(direct).toBeInstanceOf(ServerError);
    expect(direct).toMatchObject({ status: 529, retryable: true, code: 'overloaded_error' });

    server.enqueue(respond.sse(overloaded));
    server.handle(respond.sse(textStream(['second ', 'try'])));
    const chunks = await lastValueFrom(m.stream('Hi').pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('second try');
    expect(server.requestCount).toBe(3);
  });

  it('fails with APIConnectionError when the stream ends without message_stop', async () => {
    const events = textStreamEvents(['Lima']).filter((event) => event.type !== 'message_stop');
    server.handle(respond.sse(sse(events)));
    const m = model();
    const error = await failure(lastValueFrom(m.provider.stream(m.resolve('Hi'))));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error.message).toMatch(/stream ended early/);
  });

  it('ignores unknown event types and fails on malformed event JSON', async () => {
    const events = textStreamEvents(['a', 'b']);
    events.splice(2, 0, { type: 'some_future_event', detail: 1 });
    server.enqueue(respond.sse(sse(events)));
    const m = model();
    const chunks = await lastValueFrom(m.stream('Hi').pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('ab');

    server.enqueue(respond.sse('event: message_start\ndata: {not json\n\n'));
    expect(await failure(lastValueFrom(m.provider.stream(m.resolve('Hi'))))).toMatchObject({ name: 'APIConnectionError', code: 'malformed_body' });
  });

  it('aborts the stream socket when the consumer unsubscribes', async () => {
    server.handle(respond.sse(sse(textStreamEvents(['one']).slice(0, 3)), { then: 'hang' }));
    const first = await firstValueFrom(model().stream('Hi'));
    expect(first.text).toBe('one');
    await expect(server.requests[0]!.closed).resolves.toEqual({ aborted: true });
  });
});

describe('anthropic() structured output (forced tool)', () => {
  const responseFormat = {
    type: 'json_schema' as const,
    name: 'city',
    description: 'A city and its country.',
    schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  };

  it('sends the schema as a forced tool and returns the tool input as JSON text', async () => {
    server.handle(respond.json(200, JSON.parse(readFixture('anthropic-tool-message.json'))));
    const response = await firstValueFrom(model().chat('Capital of Peru?', { responseFormat }));
    expect(JSON.parse(response.text)).toEqual({ city: 'Lima', country: 'Peru' });
    expect(response.finishReason).toBe('tool_use');
    const body = server.requests[0]!.body as Record<string, unknown>;
    expect(body.tools).toEqual([{ name: 'city', description: 'A city and its country.', input_schema: responseFormat.schema }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'city' });
    expect(body.response_format).toBeUndefined();
  });

  it('streams the forced tool input as text', async () => {
    server.handle(respond.sse(readFixture('anthropic-stream-tool.sse'), { splitAt: [50, 300, 700] }));
    const chunks = await lastValueFrom(model().stream('Capital of Peru?', { responseFormat }).pipe(toArray()));
    expect(JSON.parse(chunks.map((chunk) => chunk.text).join(''))).toEqual({ city: 'Lima', country: 'Peru' });
    expect(chunks.at(-1)).toMatchObject({ finishReason: 'tool_use', usage: { inputTokens: 472, outputTokens: 89 } });
  });

  it('gives the text when the forced tool call is missing (a model or gateway answering in JSON text), in chat and stream', async () => {
    server.handle(respond.json(200, messageBody('{"city":"Lima"}')));
    expect((await firstValueFrom(model().chat('Hi', { responseFormat }))).text).toBe('{"city":"Lima"}');
    server.handle(respond.json(200, toolMessageBody('other_tool', {})));
    expect((await firstValueFrom(model().chat('Hi', { responseFormat }))).text).toBe('');
    server.handle(respond.sse(textStream(['{"city":', '"Lima"}'])));
    const chunks = await lastValueFrom(model().stream('Hi', { responseFormat }).pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('{"city":"Lima"}');
    expect(chunks.at(-1)).toMatchObject({ finishReason: 'end_turn' });
  });

  it('uses native output_config.format on Claude 4.5 and later (constraints it lacks described), the tool when told to', async () => {
    const constrained = {
      ...responseFormat,
      strict: true,
      schema: { type: 'object', properties: { stars: { type: 'integer', minimum: 1, maximum: 5 } }, required: ['stars'], additionalProperties: false },
    };
    server.handle(respond.json(200, messageBody('{"stars":4}')));
    const response = await firstValueFrom(model({ model: 'claude-haiku-4-5' }).chat('Rate it.', { responseFormat: constrained }));
    expect(response.text).toBe('{"stars":4}');
    const body = server.requests[0]!.body as Record<string, unknown>;
    expect(body.output_config).toEqual({
      format: {
        type: 'json_schema',
        schema: { type: 'object', properties: { stars: { type: 'integer', description: 'At least 1. At most 5.' } }, required: ['stars'], additionalProperties: false },
      },
    });
    expect(body).not.toHaveProperty('tools');
    server.handle(respond.json(200, toolMessageBody('city', { stars: 4 })));
    await firstValueFrom(model({ model: 'claude-haiku-4-5', structuredOutputMode: 'tool' }).chat('Rate it.', { responseFormat: constrained }));
    expect(server.requests[1]!.body).toMatchObject({ tool_choice: { type: 'tool', name: 'city' } });
    expect(server.requests[1]!.body).not.toHaveProperty('output_config');
    // a non-strict schema (records, tuples…) may hold what native output rejects: the tool carries it
    await firstValueFrom(model({ model: 'claude-haiku-4-5' }).chat('Rate it.', { responseFormat: { ...constrained, strict: false } }));
    expect(server.requests[2]!.body).toMatchObject({ tools: [{ input_schema: constrained.schema }] });
  });

  it('streams a native structured answer as text', async () => {
    server.handle(respond.sse(textStream(['{"city":', '"Lima"}'])));
    const chunks = await lastValueFrom(model({ model: 'claude-sonnet-4-5' }).stream('Hi', { responseFormat: { ...responseFormat, strict: true } }).pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('{"city":"Lima"}');
  });

  it('turns json_object into a forced tool taking any object', async () => {
    server.handle(respond.json(200, toolMessageBody('json_answer', { any: 1 })));
    const response = await firstValueFrom(model().chat('Hi', { responseFormat: { type: 'json_object' } }));
    expect(JSON.parse(response.text)).toEqual({ any: 1 });
    expect((server.requests[0]!.body as { tool_choice: unknown }).tool_choice).toEqual({ type: 'tool', name: 'json_answer' });
  });
});

describe('anthropic() options', () => {
  it('rejects unknown and invalid options, naming the field', () => {
    expect(() => anthropic({ model: 'm', apiKey: KEY, maxToken: 5 } as never)).toThrow(/anthropic\(\) options.*maxToken/);
    expect(() => anthropic({ model: 'm', apiKey: KEY, maxTokens: 0 })).toThrow(/options\.maxTokens/);
    expect(() => anthropic({ model: '', apiKey: KEY })).toThrow(/options\.model/);
    expect(() => anthropic({ model: 'm', apiKey: KEY, baseURL: 'ftp://x' })).toThrow(/options\.baseURL/);
  });

  it('refuses to send a key over plain http to a non-loopback host unless allowed', () => {
    expect(() => anthropic({ model: 'm', apiKey: KEY, baseURL: 'http://example.com' })).toThrow(InvalidOptionsError);
    expect(() => anthropic({ model: 'm', apiKey: KEY, baseURL: 'http://example.com' })).not.toThrow(new RegExp(KEY));
    const allowed = anthropic({ model: 'm', apiKey: KEY, baseURL: 'http://example.com', allowInsecureKey: true });
    void allowed.provider.close?.();
  });

  it('requires a key for api.anthropic.com and reads ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL', async () => {
    const saved = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };
    try {
      delete process.env.ANTHROPIC_API_KEY;
      delete process.env.ANTHROPIC_BASE_URL;
      expect(() => anthropic({ model: 'm' })).toThrow(/ANTHROPIC_API_KEY/);
      process.env.ANTHROPIC_API_KEY = 'sk-ant-from-env-987654321';
      process.env.ANTHROPIC_BASE_URL = `${server.url}/v1/`; // a trailing /v1 is tolerated
      server.handle(respond.json(200, messageBody('env')));
      const m = keep(anthropic({ model: 'm' }));
      expect((await firstValueFrom(m.chat('Hi'))).text).toBe('env');
      expect(server.requests[0]!.headers['x-api-key']).toBe('sk-ant-from-env-987654321');
      expect(server.requests[0]!.path).toBe('/v1/messages');
      expect(m.id).toBe('anthropic/m');
    } finally {
      if (saved.key === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved.key;
      if (saved.url === undefined) delete process.env.ANTHROPIC_BASE_URL;
      else process.env.ANTHROPIC_BASE_URL = saved.url;
    }
  });

  it("sends no key with apiKey: '' and extra headers last", async () => {
    server.handle(respond.json(200, messageBody('ok')));
    await firstValueFrom(model({ apiKey: '', headers: { 'anthropic-beta': 'feature-x' } }).chat('Hi'));
    expect(server.requests[0]!.headers['x-api-key']).toBeUndefined();
    expect(server.requests[0]!.headers['anthropic-beta']).toBe('feature-x');
  });
});
