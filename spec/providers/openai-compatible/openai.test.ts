import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  APIConnectionError,
  APITimeoutError,
  type ChatModel,
  InvalidOptionsError,
  openai,
  type OpenAIOptions,
  StreamInterruptedError,
} from '../../../src/index.js';
import { respond } from '../../support/local-server.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { completionBody, deltaEvent, sseData, streamTranscript } from '../../support/openai-transcripts.js';
import { errorOf, settle } from '../../support/settle.js';

const { server, keep } = useLocalModels();
beforeEach(() => {
  vi.stubEnv('OPENAI_API_KEY', undefined);
  vi.stubEnv('OPENAI_BASE_URL', undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** A model on the local server with fast retries; closed after the test. */
function local(options: Partial<OpenAIOptions> = {}): ChatModel {
  return keep(openai({ model: 'test-model', baseURL: server.baseURL, retry: { initialDelayMs: 1, jitter: false }, ...options }));
}

const gapsBetweenAttempts = () => server.requests.slice(1).map((request, i) => request.receivedAt - server.requests[i]!.receivedAt);

describe('openai() options', () => {
  it('rejects unknown keys, naming them', () => {
    expect(() => openai({ model: 'm', maxRetry: 3 } as unknown as OpenAIOptions)).toThrow(InvalidOptionsError);
    expect(() => openai({ model: 'm', maxRetry: 3 } as unknown as OpenAIOptions)).toThrow(/openai\(\) options.*maxRetry/);
  });

  it.each([
    [{ model: '' }, 'openai() options.model'],
    [{}, 'openai() options.model'],
    [{ model: 'm', timeout: -1 }, 'openai() options.timeout'],
    [{ model: 'm', connectTimeout: 1.5 }, 'openai() options.connectTimeout'],
    [{ model: 'm', baseURL: 'not a url' }, 'openai() options.baseURL'],
    [{ model: 'm', baseURL: 'ftp://example.com' }, 'openai() options.baseURL'],
    [{ model: 'm', maxRetries: -1 }, 'openai() options.maxRetries'],
    [{ model: 'm', retry: { maxRetries: 1, backoff: 2 } }, 'openai() options.retry'],
    [{ model: 'm', params: { temperature: 3 } }, 'openai() options.params.temperature'],
    [{ model: 'm', params: { max_tokens: 3 } }, 'openai() options.params'],
    [{ model: 'm', headers: { 'x-n': 1 } }, 'openai() options.headers.x-n'],
    [{ model: 'm', maxResponseBytes: 0 }, 'openai() options.maxResponseBytes'],
  ])('rejects %j naming %s', (options, field) => {
    let thrown: unknown;
    try {
      openai({ baseURL: 'http://127.0.0.1:1/v1', ...options } as OpenAIOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionsError);
    expect((thrown as Error).message).toContain(field);
  });

  it('requires a key for api.openai.com, naming apiKey and OPENAI_API_KEY', () => {
    expect(() => openai({ model: 'gpt-4o-mini' })).toThrow(InvalidOptionsError);
    expect(() => openai({ model: 'gpt-4o-mini' })).toThrow(/options\.apiKey.*OPENAI_API_KEY/);
  });

  it('needs no key for other hosts, and then sends no Authorization header', async () => {
    server.handle(respond.json(200, completionBody('ok')));
    await firstValueFrom(local().chat('hi'));
    expect(server.requests[0]!.headers).not.toHaveProperty('authorization');
  });

  it('reads the key and base URL from OPENAI_API_KEY and OPENAI_BASE_URL', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env-123');
    vi.stubEnv('OPENAI_BASE_URL', server.baseURL);
    server.handle(respond.json(200, completionBody('ok')));
    const model = openai({ model: 'm' });
    keep(model);
    await firstValueFrom(model.chat('hi'));
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-from-env-123');
    expect(model.id).toBe('openai/m');
  });

  it("sends no key with apiKey: '' even when the environment has one", async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env-123');
    server.handle(respond.json(200, completionBody('ok')));
    await firstValueFrom(local({ apiKey: '' }).chat('hi'));
    expect(server.requests[0]!.headers).not.toHaveProperty('authorization');
  });

  it('refuses to send a key over plain http to a host that is not loopback, unless allowed', () => {
    expect(() => openai({ model: 'm', apiKey: 'sk-123456', baseURL: 'http://models.internal:8000/v1' })).toThrow(/allowInsecureKey/);
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env-123');
    expect(() => openai({ model: 'm', baseURL: 'http://10.1.2.3/v1' })).toThrow(/OPENAI_API_KEY.*allowInsecureKey/);
    for (const baseURL of ['http://models.internal:8000/v1', 'https://models.internal/v1']) {
      const allowed = openai({ model: 'm', apiKey: 'sk-123456', baseURL, allowInsecureKey: baseURL.startsWith('http:') });
      keep(allowed);
    }
    for (const baseURL of ['http://localhost:8080/v1', 'http://127.0.0.2/v1', 'http://[::1]:8080/v1']) keep(openai({ model: 'm', apiKey: 'sk-123456', baseURL }));
  });

  it('serves other OpenAI-compatible hosts under their own provider id and environment variables', async () => {
    expect(() => openai({ model: 'llama', providerId: 'groq' })).toThrow(/options\.baseURL.*GROQ_BASE_URL/);
    vi.stubEnv('GROQ_API_KEY', 'gsk-groq-key-1');
    vi.stubEnv('GROQ_BASE_URL', server.baseURL);
    vi.stubEnv('OPENAI_API_KEY', 'sk-openai-not-for-groq');
    server.handle(respond.json(200, completionBody('ok')));
    const groq = openai({ model: 'llama', providerId: 'groq' });
    keep(groq);
    await firstValueFrom(groq.chat('hi'));
    expect(groq.id).toBe('groq/llama');
    expect(groq.provider.id).toBe('groq');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer gsk-groq-key-1');
    vi.stubEnv('MY_KEY', 'custom-key-1');
    const custom = openai({ model: 'm', providerId: 'vllm', baseURL: server.baseURL, apiKeyEnv: 'MY_KEY' });
    keep(custom);
    await firstValueFrom(custom.chat('hi'));
    expect(server.requests[1]!.headers.authorization).toBe('Bearer custom-key-1');
  });

  it('applies default params under per-call params', async () => {
    server.handle(respond.json(200, completionBody('ok')));
    const model = local({ params: { temperature: 0.1, maxTokens: 10 } });
    await firstValueFrom(model.chat('hi', { temperature: 0.7 }));
    expect(server.requests[0]!.body).toMatchObject({ temperature: 0.7, max_tokens: 10 });
  });

  it('sends organization, project and custom headers', async () => {
    server.handle(respond.json(200, completionBody('ok')));
    await firstValueFrom(local({ apiKey: 'sk-123456', organization: 'org-9', project: 'proj-9', headers: { 'x-trace': 't1' } }).chat('hi'));
    expect(server.requests[0]!.headers).toMatchObject({ 'openai-organization': 'org-9', 'openai-project': 'proj-9', 'x-trace': 't1' });
  });

  it('sizes the pool with maxSockets', async () => {
    server.handle(respond.delay(30, respond.json(200, completionBody('ok'))));
    const model = local({ maxSockets: 2 });
    await Promise.all(Array.from({ length: 6 }, () => firstValueFrom(model.chat('hi'))));
    expect(server.requestCount).toBe(6);
    expect(server.maxInFlight).toBe(2);
  });
});

describe('m.chat()', () => {
  it('is cold: nothing is sent before subscription', async () => {
    server.handle(respond.json(200, completionBody('ok')));
    const model = local();
    model.chat('never');
    model.stream('never either');
    await firstValueFrom(model.chat('sent'));
    expect(server.requests.map((request) => (request.body as { messages: Array<{ content: string }> }).messages[0]!.content)).toEqual(['sent']);
  });

  it('fails an invalid prompt with InvalidOptionsError naming the field, sending nothing', async () => {
    const error = await errorOf(local().chat([{ role: 'robot', content: 'x' }] as never));
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toContain('prompt');
    expect(server.requestCount).toBe(0);
  });

  it.each([
    [400, {}, 'BadRequestError', false, false],
    [401, {}, 'AuthenticationError', false, true],
    [402, {}, 'InsufficientCreditsError', false, true],
    [403, {}, 'PermissionDeniedError', false, true],
    [404, {}, 'NotFoundError', false, false],
    [408, {}, 'APICallError', true, false],
    [409, {}, 'APICallError', true, false],
    [422, {}, 'BadRequestError', false, false],
    [429, {}, 'RateLimitError', true, false],
    [429, { type: 'insufficient_quota', code: 'insufficient_quota' }, 'InsufficientCreditsError', false, true],
    [500, {}, 'ServerError', true, false],
    [502, {}, 'ServerError', true, false],
    [503, {}, 'EndpointNotReadyError', true, false],
    [504, {}, 'ServerError', true, false],
    [529, {}, 'ServerError', true, false],
  ])('maps %d %j to %s (retryable %s, fatal %s)', async (status, detail, name, retryable, fatal) => {
    server.handle(respond.json(status, { error: { message: `status ${status}`, ...detail } }, { 'x-request-id': `req_${status}` }));
    const error = await errorOf(local({ maxRetries: 0 }).chat('hi'));
    expect(error).toMatchObject({ name, status, retryable, fatal, provider: 'openai', requestId: `req_${status}` });
    expect((error as Error).message).toBe(`openai answered ${status}: status ${status}`);
  });
});

describe('retries, counted on the server', () => {
  it('retries retryable errors and succeeds', async () => {
    server.enqueue(respond.json(503, {}), respond.json(500, {}));
    server.handle(respond.json(200, completionBody('third time')));
    expect((await firstValueFrom(local().chat('hi'))).text).toBe('third time');
    expect(server.requestCount).toBe(3);
  });

  it('gives up after maxRetries (default 2) with the last error', async () => {
    server.handle(respond.json(503, { error: { message: 'still down' } }));
    expect(await errorOf(local().chat('hi'))).toMatchObject({ name: 'EndpointNotReadyError' });
    expect(server.requestCount).toBe(3);
  });

  it('respects maxRetries, and retry.maxRetries over it', async () => {
    server.handle(respond.json(500, {}));
    await errorOf(local({ maxRetries: 0 }).chat('hi'));
    expect(server.requestCount).toBe(1);
    server.reset();
    server.handle(respond.json(500, {}));
    await errorOf(local({ maxRetries: 4 }).chat('hi'));
    expect(server.requestCount).toBe(5);
    server.reset();
    server.handle(respond.json(500, {}));
    await errorOf(local({ maxRetries: 4, retry: { maxRetries: 1, initialDelayMs: 1 } }).chat('hi'));
    expect(server.requestCount).toBe(2);
  });

  it.each([
    [400, {}],
    [401, {}],
    [404, {}],
    [503, { 'x-should-retry': 'false' }],
  ])('does not retry %d %j', async (status, headers) => {
    server.handle(respond.json(status, {}, headers));
    await errorOf(local().chat('hi'));
    expect(server.requestCount).toBe(1);
  });

  it('retries what x-should-retry: true marks', async () => {
    server.enqueue(respond.json(400, {}, { 'x-should-retry': 'true' }));
    server.handle(respond.json(200, completionBody('ok')));
    await firstValueFrom(local().chat('hi'));
    expect(server.requestCount).toBe(2);
  });

  it('retries connection errors and timeouts', async () => {
    server.enqueue(respond.resetSocket(), respond.hang());
    server.handle(respond.json(200, completionBody('ok')));
    expect((await firstValueFrom(local({ timeout: 100 }).chat('hi'))).text).toBe('ok');
    expect(server.requestCount).toBe(3);
  });

  it('waits what retry-after-ms asks', async () => {
    server.enqueue(respond.json(429, {}, { 'retry-after-ms': '40' }));
    server.handle(respond.json(200, completionBody('ok')));
    await firstValueFrom(local().chat('hi'));
    expect(gapsBetweenAttempts()[0]).toBeGreaterThanOrEqual(39);
  });

  it('waits what retry-after asks in (fractional) seconds', async () => {
    server.enqueue(respond.json(503, {}, { 'retry-after': '0.04' }));
    server.handle(respond.json(200, completionBody('ok')));
    await firstValueFrom(local().chat('hi'));
    expect(gapsBetweenAttempts()[0]).toBeGreaterThanOrEqual(39);
  });

  it('retries at once for an HTTP date already past, and fails at once when the date is beyond maxRetryAfterMs', async () => {
    server.enqueue(respond.json(503, {}, { 'retry-after': new Date(Date.now() - 5000).toUTCString() }));
    server.handle(respond.json(200, completionBody('ok')));
    await firstValueFrom(local({ retry: { initialDelayMs: 60_000 } }).chat('hi'));
    expect(server.requestCount).toBe(2);

    server.reset();
    server.handle(respond.json(429, {}, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() }));
    const error = await errorOf(local({ retry: { maxRetryAfterMs: 1000, initialDelayMs: 1 } }).chat('hi'));
    expect(error).toMatchObject({ name: 'RateLimitError' });
    expect((error as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(100_000);
    expect(server.requestCount).toBe(1);
  });
});

describe('m.stream()', () => {
  it('streams chunks and completes', async () => {
    server.handle(respond.sse(streamTranscript(['Li', 'ma'])));
    const chunks = await lastValueFrom(local().stream('Capital of Peru?').pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('Lima');
    expect(chunks.at(-1)).toMatchObject({ finishReason: 'stop', usage: { inputTokens: 5, outputTokens: 2 } });
  });

  it('retries before the first chunk: an error status, or a stream that ends before any text', async () => {
    server.enqueue(respond.json(503, {}), respond.sse(sseData({ choices: [{ delta: { role: 'assistant' } }] })));
    server.handle(respond.sse(streamTranscript(['ok'])));
    const chunks = await lastValueFrom(local().stream('hi').pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('ok');
    expect(server.requestCount).toBe(3);
  });

  it('fails a mid-stream drop with StreamInterruptedError keeping the partial text, without retrying', async () => {
    const transcript = deltaEvent('hé') + deltaEvent('llo') + deltaEvent(' world');
    server.handle(respond.dropAfter(Buffer.byteLength(deltaEvent('hé') + deltaEvent('llo')) + 5, transcript, { contentType: 'text/event-stream' }));
    const { values, error } = await settle(local().stream('hi'));
    expect(values.map((chunk) => chunk.text)).toEqual(['hé', 'llo']);
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error).toMatchObject({ partialText: 'héllo', retryable: false, provider: 'openai' });
    expect((error as Error).cause).toBeInstanceOf(APIConnectionError);
    expect(server.requestCount).toBe(1);
  });

  it('fails a mid-stream stall with StreamInterruptedError caused by the idle timeout', async () => {
    server.handle(respond.sse(deltaEvent('so far'), { then: 'hang' }));
    const { error } = await settle(local({ streamIdleTimeout: 100 }).stream('hi'));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as Error).cause).toBeInstanceOf(APITimeoutError);
    expect((error as Error & { cause: APITimeoutError }).cause.phase).toBe('idle');
    expect(server.requestCount).toBe(1);
  });

  it('aborts the socket when the consumer stops early; the server sees it close', async () => {
    server.handle(respond.sse(deltaEvent('first'), { then: 'hang' }));
    const chunks = await lastValueFrom(local().stream('hi').pipe(take(1), toArray()));
    expect(chunks.map((chunk) => chunk.text)).toEqual(['first']);
    await expect(server.requests[0]!.closed).resolves.toEqual({ aborted: true });
    await server.requests[0]!.socketClosed;
  });
});

describe('timeouts', () => {
  it('fails a request the server never answers with APITimeoutError phase request, after the retries', async () => {
    server.handle(respond.hang());
    const error = await errorOf(local({ timeout: 100, maxRetries: 1 }).chat('hi'));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(error).toMatchObject({ phase: 'request' });
    expect(server.requestCount).toBe(2);
    await Promise.all(server.requests.map((request) => request.socketClosed));
  });
});
