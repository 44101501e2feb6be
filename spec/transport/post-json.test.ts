import { createServer } from 'node:net';
import { firstValueFrom } from 'rxjs';
import type { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APIConnectionError, APITimeoutError, LlmError, ResponseTooLargeError, ResponseValidationError } from '../../src/errors/llm-error.js';
import { APICallError, InsufficientCreditsError, RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import { createAgent } from '../../src/transport/create-agent.js';
import type { HttpFailure, HttpPostOptions } from '../../src/transport/http-types.js';
import { postJson } from '../../src/transport/post-json.js';
import { type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { errorOf, settle } from '../support/settle.js';

let server: LocalServer;
let agent: Agent;

beforeEach(async () => {
  server = await startLocalServer();
  agent = createAgent({ connectTimeoutMs: 2000 });
});
afterEach(async () => {
  await server.close();
  await agent.destroy();
});

function options(overrides: Partial<HttpPostOptions> = {}): HttpPostOptions {
  return {
    url: `${server.baseURL}/chat/completions`,
    headers: { authorization: 'Bearer test-key' },
    body: { hello: 'wörld' },
    dispatcher: agent,
    provider: 'test',
    timeoutMs: 5000,
    maxResponseBytes: 1024 * 1024,
    ...overrides,
  };
}

describe('postJson happy path', () => {
  it("hands the response's headers, names lower-cased, to the provider's rate-limit reader once and adds retryAfterMs", async () => {
    server.handle(respond.json(200, { ok: true }, { 'X-Custom-Remaining': '41', 'Retry-After': '3' }));
    const seen: Array<Readonly<Record<string, string>>> = [];
    const readRateLimit = (headers: Readonly<Record<string, string>>) => {
      seen.push(headers);
      return { remainingRequests: Number(headers['x-custom-remaining']) };
    };
    const { values } = await settle(postJson(options({ readRateLimit })));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ 'x-custom-remaining': '41', 'retry-after': '3' });
    expect(values[0]).toMatchObject({ rateLimit: { remainingRequests: 41, retryAfterMs: 3000 } });
  });

  it("gives no rateLimit when the provider's reader finds nothing and no retry-after came", async () => {
    server.handle(respond.json(200, { ok: true }, { 'x-ratelimit-remaining-requests': '41' }));
    const { values } = await settle(postJson(options({ readRateLimit: () => undefined })));
    expect(values[0]).not.toHaveProperty('rateLimit');
  });

  it('POSTs the JSON body and emits the parsed answer with the response head, once', async () => {
    server.handle(
      respond.json(200, { ok: true, text: 'héllo 👋' }, { 'x-request-id': 'req_123', 'x-ratelimit-remaining-requests': '41', 'retry-after-ms': '5' }),
    );
    const { values, completed } = await settle(postJson(options()));
    expect(completed).toBe(true);
    expect(values).toHaveLength(1);
    expect(values[0]).toMatchObject({
      status: 200,
      body: { ok: true, text: 'héllo 👋' },
      requestId: 'req_123',
    });
    // no provider reader: transport reads only the retry-after headers
    expect(values[0]!.rateLimit).toEqual({ retryAfterMs: 5 });
    expect(values[0]!.headers['content-type']).toBe('application/json');
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { hello: 'wörld' } });
    expect(request!.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer test-key' });
  });

  it('lower-cases header names and joins a repeated header with ", " (latin1 values, as undici reads them), also through an interceptor', async () => {
    server.handle(({ res }) => {
      res.writeHead(200, ['Content-Type', 'application/json', 'X-Tag', 'a', 'x-tag', 'b', 'X-Name', 'caf\u00e9', 'X-Name', 'd\u00e9j']);
      res.end('{}');
    });
    const composed = agent.compose((dispatch) => (opts, handler) => dispatch(opts, handler)); // undici rebuilds the raw head
    for (const dispatcher of [agent, composed]) {
      const { values } = await settle(postJson(options({ dispatcher })));
      expect(values[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'x-tag': 'a, b', 'x-name': 'café, déj' });
    }
  });

  it('takes header names that are also Object.prototype members as plain headers', async () => {
    server.handle(({ res }) => {
      res.writeHead(200, ['Content-Type', 'application/json', 'Constructor', 'c', 'toString', 't', '__proto__', 'p']);
      res.end('{}');
    });
    const { values } = await settle(postJson(options()));
    const { headers } = values[0]!;
    expect(headers.constructor).toBe('c');
    expect(headers.tostring).toBe('t');
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
  });

  it('takes the request id from request-id when x-request-id is absent', async () => {
    server.handle(respond.json(200, {}, { 'request-id': 'req_anthropic' }));
    expect((await firstValueFrom(postJson(options()))).requestId).toBe('req_anthropic');
  });

  it('accepts a JSON body served without a content type', async () => {
    server.handle(({ res }) => {
      res.removeHeader('content-type');
      res.end('{"a":1}');
    });
    expect((await firstValueFrom(postJson(options()))).body).toEqual({ a: 1 });
  });

  it('is cold: nothing is sent before subscription', async () => {
    server.handle(respond.json(200, {}));
    postJson(options({ body: { which: 'never subscribed' } }));
    await firstValueFrom(postJson(options({ body: { which: 'subscribed' } })));
    expect(server.requests.map((request) => request.body)).toEqual([{ which: 'subscribed' }]);
  });

  it('sends again on each subscription', async () => {
    server.handle(respond.json(200, {}));
    const request$ = postJson(options());
    await firstValueFrom(request$);
    await firstValueFrom(request$);
    expect(server.requestCount).toBe(2);
  });

  it('reuses the keep-alive socket for sequential requests', async () => {
    server.handle(respond.json(200, {}));
    for (let i = 0; i < 5; i += 1) await firstValueFrom(postJson(options()));
    expect(server.closedSockets).toBe(0);
    expect(server.openSockets).toBeLessThanOrEqual(2);
  });
});

describe('postJson with a projection', () => {
  it('emits what project returns for the parsed answer, once, and keeps the socket', async () => {
    server.handle(respond.json(200, { text: 'hi' }, { 'x-request-id': 'req_9' }));
    const { values, completed } = await settle(postJson(options(), (response) => `${response.status} ${response.requestId} ${(response.body as { text: string }).text}`));
    expect(completed).toBe(true);
    expect(values).toEqual(['200 req_9 hi']);
    await firstValueFrom(postJson(options()));
    expect(server.closedSockets).toBe(0);
  });

  it('fails with the LlmError project throws, unchanged', async () => {
    server.handle(respond.json(200, { unexpected: true }));
    const thrown = new ResponseValidationError('wrong shape', { provider: 'test' });
    const error = await errorOf(
      postJson(options(), () => {
        throw thrown;
      }),
    );
    expect(error).toBe(thrown);
  });

  it('maps anything else project throws to an LlmError with it as cause', async () => {
    server.handle(respond.json(200, {}));
    const bug = new TypeError('cannot read properties of undefined');
    const error = await errorOf(
      postJson(options(), () => {
        throw bug;
      }),
    );
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'internal_error', cause: bug });
  });
});

describe('postJson cancellation', () => {
  it('aborts the socket at once when unsubscribed; the server sees it close', async () => {
    server.handle(respond.hang());
    const subscription = postJson(options()).subscribe({ error: () => expect.fail('unsubscribing is not an error') });
    await server.waitForRequests(1);
    subscription.unsubscribe();
    await expect(server.requests[0]!.closed).resolves.toEqual({ aborted: true });
    await server.requests[0]!.socketClosed;
  });

  it('cancels requests still queued for a socket without opening or closing any connection', async () => {
    const oneSocket = createAgent({ connections: 1 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    server.enqueue(async ({ res }) => {
      await held;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    server.handle(respond.json(200, {}));
    try {
      const first = firstValueFrom(postJson(options({ dispatcher: oneSocket })));
      await server.waitForRequests(1);
      const queued = Array.from({ length: 5 }, () => postJson(options({ dispatcher: oneSocket })).subscribe({ error: () => undefined }));
      for (const subscription of queued) subscription.unsubscribe();
      release();
      await first;
      await firstValueFrom(postJson(options({ dispatcher: oneSocket })));
      expect(server.requests).toHaveLength(2);
      expect(server.closedSockets).toBe(0);
      expect(server.openSockets).toBe(1);
    } finally {
      await oneSocket.destroy();
    }
  });

  it('aborts when options.signal fires, failing with a non-retryable aborted error', async () => {
    server.handle(respond.hang());
    const controller = new AbortController();
    const outcome = settle(postJson(options({ signal: controller.signal })));
    await server.waitForRequests(1);
    controller.abort(new Error('user cancelled'));
    const { error } = await outcome;
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'aborted', retryable: false, provider: 'test' });
    await server.requests[0]!.socketClosed;
  });

  it('sends nothing when options.signal is already aborted', async () => {
    server.handle(respond.json(200, {}));
    const error = await errorOf(postJson(options({ signal: AbortSignal.abort(), body: { which: 'aborted' } })));
    expect(error).toMatchObject({ code: 'aborted' });
    await firstValueFrom(postJson(options({ body: { which: 'sent' } })));
    expect(server.requests.map((request) => request.body)).toEqual([{ which: 'sent' }]);
  });

  it('fails (never throws) when undici refuses the request, sending nothing', async () => {
    // errorOf subscribes inside a Promise executor: a synchronous throw would reject it instead
    const error = await errorOf(postJson(options({ headers: { 'bad header name': 'x' } })));
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'invalid_request', retryable: false });
    expect(server.requestCount).toBe(0);
  });

  it('fails with a non-retryable LlmError when the body cannot be serialised, sending nothing', async () => {
    const error = await errorOf(postJson(options({ body: { n: 1n } })));
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ retryable: false });
    expect(server.requestCount).toBe(0);
  });
});

describe('postJson timeouts', () => {
  it('times out a server that never answers: APITimeoutError phase request, socket closed', async () => {
    server.handle(respond.hang());
    const error = await errorOf(postJson(options({ timeoutMs: 100 })));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(error).toMatchObject({ phase: 'request', code: 'request_timeout', retryable: true, provider: 'test' });
    expect((error as Error).message).toContain('100 ms');
    await server.requests[0]!.socketClosed;
  });

  it('counts the body against the whole-request timeout', async () => {
    server.handle(respond.bytes('{"partial":', { contentType: 'application/json', then: 'hang' }));
    const error = await errorOf(postJson(options({ timeoutMs: 150 })));
    expect(error).toMatchObject({ name: 'APITimeoutError', phase: 'request' });
  });
});

describe('postJson HTTP errors', () => {
  it("hands the status, body, headers and hints to the adapter's readError and fails with its error", async () => {
    server.handle(respond.json(429, { error: { message: 'slow', code: 'slow_down' } }, { 'x-request-id': 'req_429', 'retry-after': '1.5', 'x-custom': 'c' }));
    const failures: HttpFailure[] = [];
    const readError = (failure: HttpFailure) => {
      failures.push(failure);
      return new InsufficientCreditsError('read by the adapter', { status: failure.status });
    };
    const error = await errorOf(postJson({ ...options(), readError }));
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect((error as Error).message).toBe('read by the adapter');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ status: 429, provider: 'test', body: { error: { message: 'slow', code: 'slow_down' } }, requestId: 'req_429', retryAfterMs: 1500 });
    expect(failures[0]!.headers['x-custom']).toBe('c');
  });

  it('falls back to a status-only error when there is no readError or it returns undefined', async () => {
    server.enqueue(respond.json(429, { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, { 'x-request-id': 'req_429', 'retry-after': '2' }));
    server.enqueue(respond.json(402, { error: { message: 'x' } }));
    const error = await errorOf(postJson(options()));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, requestId: 'req_429', retryAfterMs: 2000, retryable: true, provider: 'test', message: 'test answered 429' });
    expect(await errorOf(postJson({ ...options(), readError: () => undefined }))).toBeInstanceOf(InsufficientCreditsError);
  });

  it('fails with what readError throws', async () => {
    const bug = new Error('reader bug');
    server.handle(respond.json(500, {}));
    expect(await errorOf(postJson({ ...options(), readError: () => { throw bug; } }))).toMatchObject({ cause: bug });
  });

  it('asks readError about a 2xx that is not JSON, else fails with ResponseValidationError', async () => {
    const framed = 'data: {"error": {"message": "busy", "code": "429"}}\n\n';
    server.enqueue(respond.bytes(framed, { contentType: 'text/event-stream' }), respond.bytes(framed, { contentType: 'text/event-stream' }));
    const readError = (failure: HttpFailure) => new RateLimitError(`read ${String(failure.body)}`, { status: 429 });
    expect(await errorOf(postJson({ ...options(), readError }))).toMatchObject({ name: 'RateLimitError', message: `read ${framed}` });
    expect(await errorOf(postJson(options()))).toMatchObject({ name: 'ResponseValidationError', status: 200 });
  });

  it('honours x-should-retry in both directions', async () => {
    server.enqueue(respond.json(400, { error: { message: 'flaky' } }, { 'x-should-retry': 'true' }));
    server.enqueue(respond.json(503, { error: { message: 'down' } }, { 'x-should-retry': 'false' }));
    expect(await errorOf(postJson(options()))).toMatchObject({ status: 400, retryable: true });
    expect(await errorOf(postJson(options()))).toMatchObject({ status: 503, retryable: false });
  });

  it('keeps a non-JSON error body (an HTML error page) as text', async () => {
    server.handle(respond.text(502, '<html><body>Bad Gateway</body></html>', { 'content-type': 'text/html' }));
    const error = await errorOf(postJson(options()));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 502, retryable: true, body: '<html><body>Bad Gateway</body></html>' });
  });

  it('still reports the status when the error body is endless (read up to a cap, then the socket is dropped)', async () => {
    server.handle(respond.endless({ status: 500, contentType: 'text/plain' }));
    const error = await errorOf(postJson(options()));
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).body).toEqual(expect.any(String));
    await server.requests[0]!.socketClosed;
  });

  it('still reports the status when the error body breaks off', async () => {
    server.handle(respond.truncated(503, '{"error":{"message":"overloaded"}}', 10));
    expect(await errorOf(postJson(options()))).toMatchObject({ name: 'EndpointNotReadyError', status: 503 });
  });

  it('reports unknown 4xx as a plain APICallError', async () => {
    server.handle(respond.json(418, { error: { message: 'teapot' } }));
    const error = await errorOf(postJson(options()));
    expect(error).toBeInstanceOf(APICallError);
    expect(error).toMatchObject({ name: 'APICallError', status: 418, retryable: false });
  });
});

describe('postJson garbage', () => {
  it('fails with a retryable APIConnectionError on malformed JSON (a garbled body is a transport glitch)', async () => {
    server.handle(respond.text(200, '{"choices": [', { 'content-type': 'application/json' }));
    const error = await errorOf(postJson(options()));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ status: 200, retryable: true, code: 'malformed_body' });
    expect((error as Error).message).toContain('not valid JSON');
  });

  it('fails with ResponseValidationError on a 2xx HTML page', async () => {
    server.handle(respond.text(200, '<html>login</html>', { 'content-type': 'text/html; charset=utf-8' }));
    const error = await errorOf(postJson(options()));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain('text/html');
  });

  it('fails with APIConnectionError when the body is shorter than its content-length', async () => {
    server.handle(respond.truncated(200, '{"choices":[{"message":{"content":"hello"}}]}', 12));
    const error = await errorOf(postJson(options()));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).cause).toBeDefined();
  });

  it('cuts an endless body off at maxResponseBytes with ResponseTooLargeError and frees the socket', async () => {
    server.handle(respond.endless());
    const error = await errorOf(postJson(options({ maxResponseBytes: 100_000 })));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ code: 'body_too_large', retryable: false });
    await server.requests[0]!.socketClosed;
  });

  it('refuses a declared content-length over the cap before reading', async () => {
    server.handle(respond.json(200, { big: 'x'.repeat(5000) }));
    expect(await errorOf(postJson(options({ maxResponseBytes: 1000 })))).toBeInstanceOf(ResponseTooLargeError);
  });
});

describe('postJson socket failures', () => {
  it('maps a reset connection to APIConnectionError with the undici error as cause', async () => {
    server.handle(respond.resetSocket());
    const error = await errorOf(postJson(options()));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).not.toBeInstanceOf(APITimeoutError);
    expect(error).toMatchObject({ retryable: true, provider: 'test' });
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('maps a refused connection to APIConnectionError', async () => {
    const port = await closedPort();
    const error = await errorOf(postJson(options({ url: `http://127.0.0.1:${port}/v1/chat/completions` })));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error & { cause: { code?: string } }).cause.code).toBe('ECONNREFUSED');
  });
});

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
