import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChatModel, InvalidOptionsError, isLlmError, openai } from '../../../src/index.js';
import { type Handler, type LocalServer, respond, startLocalServer } from '../../support/local-server.js';
import { deltaEvent, sseData } from '../../support/openai-transcripts.js';
import { errorOf } from '../../support/settle.js';

const KEY = 'sk-proj-LEAKCHECK-0123456789abcdefXYZ';

let server: LocalServer;
let model: ChatModel;

beforeAll(async () => {
  server = await startLocalServer();
  model = openai({ model: 'm', apiKey: KEY, baseURL: server.baseURL, maxRetries: 0, timeout: 300, streamIdleTimeout: 100, maxResponseBytes: 20_000 });
});
afterEach(() => server.reset());
afterAll(async () => {
  await model.provider.close?.();
  await server.close();
});

/** Every way an error may be shown or logged. */
function renderings(error: unknown): Record<string, string> {
  const value = error as Error & { body?: unknown; issues?: unknown };
  return {
    message: value.message,
    stack: value.stack ?? '',
    toString: String(value),
    json: JSON.stringify(value),
    inspect: inspect(value),
    inspectDeep: inspect(value, { depth: 10, showHidden: true }),
    body: JSON.stringify(value.body) ?? '',
    issues: JSON.stringify(value.issues) ?? '',
  };
}

function expectNoKey(error: unknown): void {
  expect(isLlmError(error), String(error)).toBe(true);
  for (const [how, text] of Object.entries(renderings(error))) {
    expect(text, `${(error as Error).name} via ${how}`).not.toContain(KEY);
    expect(text, `${(error as Error).name} via ${how}`).not.toContain('LEAKCHECK');
  }
}

/** An error body that echoes the Authorization header and the bare key back. */
const echoingError =
  (status: number, extraHeaders: Record<string, string> = {}): Handler =>
  (exchange) => {
    const auth = String(exchange.req.headers.authorization);
    const bare = auth.replace(/^Bearer /, '');
    return respond.json(
      status,
      { error: { message: `Incorrect API key provided: ${bare}. Header was "${auth}".`, type: 'invalid_request_error', code: bare, param: auth } },
      extraHeaders,
    )(exchange);
  };

const bareKeyOf = (exchange: Parameters<Handler>[0]) => String(exchange.req.headers.authorization).replace(/^Bearer /, '');

describe('the API key never leaks', () => {
  it('the server really receives the key (so the echo tests can fail)', async () => {
    server.handle(echoingError(401));
    const error = await errorOf(model.chat('hi'));
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect((error as Error).message).toContain('[redacted]');
  });

  it.each([400, 401, 402, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504, 529])('from a %d whose body echoes the key', async (status) => {
    server.handle(echoingError(status));
    expectNoKey(await errorOf(model.chat('hi')));
    server.handle(echoingError(status));
    expectNoKey(await errorOf(model.stream('hi')));
  });

  it('from an HTML error page that echoes the key', async () => {
    server.handle((exchange) => respond.text(502, `<html>key=${bareKeyOf(exchange)}</html>`, { 'content-type': 'text/html' })(exchange));
    expectNoKey(await errorOf(model.chat('hi')));
  });

  it('from ResponseValidationError: malformed JSON, wrong content type, wrong shape, malformed SSE, all echoing the key', async () => {
    server.handle((exchange) => respond.text(200, `{"key": "${bareKeyOf(exchange)}"`, { 'content-type': 'application/json' })(exchange));
    expectNoKey(await errorOf(model.chat('hi')));
    server.handle((exchange) => respond.text(200, `<p>${bareKeyOf(exchange)}</p>`, { 'content-type': 'text/html' })(exchange));
    expectNoKey(await errorOf(model.chat('hi')));
    server.handle((exchange) => respond.json(200, { choices: bareKeyOf(exchange) })(exchange));
    expectNoKey(await errorOf(model.chat('hi')));
    server.handle((exchange) => respond.sse(`${bareKeyOf(exchange)}\n\n`)(exchange));
    expectNoKey(await errorOf(model.stream('hi')));
    server.handle((exchange) => respond.sse(`data: {"k": "${bareKeyOf(exchange)}"\n\n`)(exchange));
    expectNoKey(await errorOf(model.stream('hi')));
    server.handle((exchange) => respond.json(200, { error: { message: bareKeyOf(exchange) } })(exchange));
    expectNoKey(await errorOf(model.stream('hi')));
  });

  it('from stream error events and StreamInterruptedError', async () => {
    server.handle((exchange) => respond.sse(sseData({ error: { message: `bad key ${bareKeyOf(exchange)}`, type: 'server_error' } }))(exchange));
    expectNoKey(await errorOf(model.stream('hi')));
    server.handle((exchange) => respond.sse(deltaEvent('partial') + sseData({ error: { message: `bad key ${bareKeyOf(exchange)}` } }))(exchange));
    const interrupted = await errorOf(model.stream('hi'));
    expect(interrupted).toMatchObject({ name: 'StreamInterruptedError' });
    expectNoKey(interrupted);
    expectNoKey((interrupted as Error).cause);
  });

  it('from timeouts, connection errors and the size cap', async () => {
    server.handle(respond.hang());
    expectNoKey(await errorOf(model.chat('hi')));
    server.handle(respond.sse(deltaEvent('x'), { then: 'hang' }));
    expectNoKey(await errorOf(model.stream('hi')));
    server.handle(respond.resetSocket());
    expectNoKey(await errorOf(model.chat('hi')));
    server.handle(respond.endless());
    expectNoKey(await errorOf(model.chat('hi')));
  });

  it('from invalid options that carry the key', () => {
    for (const options of [
      { model: 'm', apiKey: KEY, baseURL: 'http://models.internal/v1' },
      { model: '', apiKey: KEY, baseURL: server.baseURL },
      { model: 'm', apiKey: KEY, baseURL: server.baseURL, headers: { authorization: 7 } },
    ]) {
      let thrown: unknown;
      try {
        openai(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidOptionsError);
      expectNoKey(thrown);
    }
  });
});
