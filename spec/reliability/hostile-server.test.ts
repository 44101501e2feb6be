import type { ServerResponse } from 'node:http';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APITimeoutError, isLlmError, type LlmError, ResponseTooLargeError, ResponseValidationError, StreamInterruptedError } from '../../src/errors/llm-error.js';
import { ServerError } from '../../src/errors/api-call-error.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { type Handler, type LocalServer, startLocalServer } from '../support/local-server.js';
import { httpHead, type RawServer, startRawServer } from '../support/reliability-raw-server.js';
import { activeResources, extraResourcesAfterSettling, heapUsedAfterGc } from '../support/reliability-resources.js';

const GIB = 1024 ** 3;
const CAP = 256 * 1024; // the client's maxResponseBytes in these tests
const TIMEOUT_MS = 300;

let server: LocalServer;
let raw: RawServer;
let baseline: ReturnType<typeof activeResources>;
const models: ChatModel[] = [];

beforeAll(async () => {
  baseline = activeResources();
  server = await startLocalServer();
  raw = await startRawServer();
});
afterEach(async () => {
  for (const model of models.splice(0)) await model.provider.close?.();
});
afterAll(async () => {
  await server.close();
  await raw.close();
  expect(await extraResourcesAfterSettling(baseline)).toEqual({});
});

function openaiModel(options: { timeout?: number; streamIdleTimeout?: number; maxResponseBytes?: number; baseURL?: string } = {}): ChatModel {
  const model = openai({ model: 'm', baseURL: server.baseURL, apiKey: '', maxRetries: 0, timeout: 10_000, maxResponseBytes: CAP, ...options });
  models.push(model);
  return model;
}

async function failureOf(source: ReturnType<ChatModel['chat']> | ReturnType<ChatModel['stream']>): Promise<{ error: LlmError; ms: number; values: number }> {
  const started = performance.now();
  let values = 0;
  const error = await new Promise<unknown>((resolve) => {
    (source as ReturnType<ChatModel['stream']>).subscribe({ next: () => (values += 1), error: resolve, complete: () => resolve(new Error('completed')) });
  });
  expect(isLlmError(error), String(error)).toBe(true);
  return { error: error as LlmError, ms: performance.now() - started, values };
}

/**
 * Streams `piece` until the client hangs up, never more than `limitBytes` (a 1 GB body is never built: the server
 * writes the same small buffer again, honouring back-pressure). Records how many bytes it managed to write.
 */
function endless(head: { status?: number; headers?: Record<string, string> }, piece: Buffer, limitBytes: number, written: { bytes: number }): Handler {
  return async ({ res, signal }) => {
    res.writeHead(head.status ?? 200, head.headers ?? {});
    while (!signal.aborted && !res.destroyed && written.bytes < limitBytes) {
      written.bytes += piece.length;
      if (!res.write(piece)) await drained(res, signal);
    }
    if (!res.destroyed) res.end();
  };
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

const openAIChunk = (text: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;

describe('a hostile server: endless bodies hit the size cap, with memory bounded', () => {
  it('a 1 GB JSON body (chunked, no length) is cut at maxResponseBytes: ResponseTooLargeError, the server stops writing, the heap does not grow', async () => {
    const written = { bytes: 0 };
    server.handle(endless({ headers: { 'content-type': 'application/json' } }, Buffer.alloc(64 * 1024, 'x'), GIB, written));
    const heapBefore = heapUsedAfterGc();
    const { error } = await failureOf(openaiModel().chat('Hi'));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    await server.requests.at(-1)!.closed;
    // The client hung up near the cap: what the server got out is the cap plus socket buffers, nowhere near 1 GB.
    expect(written.bytes).toBeLessThan(CAP + 16 * 1024 * 1024);
    expect(heapUsedAfterGc() - heapBefore).toBeLessThan(32 * 1024 * 1024);
  });

  it('a declared content-length of 1 GB is refused before reading the body', async () => {
    const written = { bytes: 0 };
    server.handle(endless({ headers: { 'content-type': 'application/json', 'content-length': String(GIB) } }, Buffer.alloc(64 * 1024, 'x'), GIB, written));
    const { error } = await failureOf(openaiModel().chat('Hi'));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    await server.requests.at(-1)!.closed;
    expect(written.bytes).toBeLessThan(CAP + 16 * 1024 * 1024);
  });

  it('a stream that never stops (valid events, forever) ends in StreamInterruptedError caused by the size cap, keeping the text so far', async () => {
    const written = { bytes: 0 };
    server.handle(endless({ headers: { 'content-type': 'text/event-stream' } }, Buffer.from(openAIChunk('more ').repeat(200)), GIB, written));
    const heapBefore = heapUsedAfterGc();
    const { error, values } = await failureOf(openaiModel().stream('Hi'));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.cause).toBeInstanceOf(ResponseTooLargeError);
    expect(values).toBeGreaterThan(0);
    expect((error as StreamInterruptedError).partialText.startsWith('more more')).toBe(true);
    await server.requests.at(-1)!.closed;
    expect(written.bytes).toBeLessThan(CAP + 16 * 1024 * 1024);
    expect(heapUsedAfterGc() - heapBefore).toBeLessThan(32 * 1024 * 1024);
  });

  it('a stream of nothing but keep-alive comments and pings, sent as fast as possible, hits the cap with no chunk emitted', async () => {
    const written = { bytes: 0 };
    server.handle(endless({ headers: { 'content-type': 'text/event-stream' } }, Buffer.from(': keep-alive\n\nevent: ping\ndata: {"type":"ping"}\n\n'.repeat(100)), GIB, written));
    const { error, values } = await failureOf(openaiModel().stream('Hi'));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(values).toBe(0);
  });

  it('an endless error body (500, HTML, 1 GB) is read up to 64 KiB only: ServerError at once', async () => {
    const written = { bytes: 0 };
    server.handle(endless({ status: 500, headers: { 'content-type': 'text/html' } }, Buffer.from('<p>oops</p>'.repeat(1000)), GIB, written));
    const { error } = await failureOf(openaiModel().chat('Hi'));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.status).toBe(500);
    expect(error.message.length).toBeLessThan(1_000);
    await server.requests.at(-1)!.closed;
    expect(written.bytes).toBeLessThan(64 * 1024 + 16 * 1024 * 1024);
  });

  it('an endless body with the wrong content type (a stream answered with text/html) is cut at 64 KiB: ResponseValidationError', async () => {
    const written = { bytes: 0 };
    server.handle(endless({ headers: { 'content-type': 'text/html' } }, Buffer.alloc(16 * 1024, 'x'), GIB, written));
    const { error } = await failureOf(openaiModel({ maxResponseBytes: 32 * 1024 * 1024 }).stream('Hi'));
    expect(error).toBeInstanceOf(ResponseValidationError);
    await server.requests.at(-1)!.closed;
    expect(written.bytes).toBeLessThan(64 * 1024 + 16 * 1024 * 1024);
  });

  it('an endless response head (headers that never end) fails at undici\'s header cap instead of buffering it: ResponseValidationError, not retried', async () => {
    raw.script(() => ({ bytes: Buffer.concat([httpHead(200, { 'content-type': 'application/json' }).subarray(0, -2), Buffer.from(`x-junk: ${'y'.repeat(200_000)}\r\n`)]), then: 'hang' }));
    const model = openai({ model: 'm', baseURL: `${raw.url}/v1`, apiKey: '', maxRetries: 2, retry: { initialDelayMs: 1, jitter: false } });
    models.push(model);
    const before = raw.requests;
    const { error } = await failureOf(model.chat('Hi'));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(raw.requests - before).toBe(1); // not retried
  });
});

describe('a hostile server: a malformed head is not the protocol', () => {
  it('a malformed response head (undici\'s real HTTPParserError) is a ResponseValidationError, sent once, with both adapters', async () => {
    // A header line with a control character: llhttp rejects it ("Invalid header value char").
    raw.script(() => ({ bytes: Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-bad: a\u0001b\r\ncontent-length: 2\r\n\r\n{}', 'latin1') }));
    const made = [
      openai({ model: 'm', baseURL: `${raw.url}/v1`, apiKey: '', maxRetries: 2, retry: { initialDelayMs: 1, jitter: false } }),
      anthropic({ model: 'm', baseURL: raw.url, apiKey: '', maxRetries: 2, retry: { initialDelayMs: 1, jitter: false } }),
    ];
    models.push(...made);
    for (const model of made) {
      for (const call of [() => model.chat('Hi'), () => model.stream('Hi')]) {
        const before = raw.requests;
        const { error } = await failureOf(call());
        expect(error).toBeInstanceOf(ResponseValidationError);
        expect(error.retryable).toBe(false);
        expect(error.message).toMatch(/malformed HTTP response/);
        expect(raw.requests - before).toBe(1); // not retried
      }
    }
  });
});

describe('a hostile server: trickles hit the timeouts', () => {
  /** Writes one byte of `body` every `everyMs` real milliseconds, until the client leaves. */
  const trickle = (contentType: string, body: string, everyMs: number, sent: { bytes: number }): Handler => async ({ res, signal }) => {
    res.writeHead(200, { 'content-type': contentType });
    res.flushHeaders();
    for (const byte of Buffer.from(body)) {
      if (signal.aborted || res.destroyed) return;
      await new Promise<void>((resolve) => res.write(Buffer.of(byte), () => resolve()));
      sent.bytes += 1;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, everyMs);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  };

  it('a JSON answer trickled one byte at a time (faster than any idle timeout) still ends at the whole-request timeout', async () => {
    const sent = { bytes: 0 };
    server.handle(trickle('application/json', JSON.stringify({ choices: [{ message: { content: 'x'.repeat(10_000) } }] }), 10, sent));
    const { error, ms } = await failureOf(openaiModel({ timeout: TIMEOUT_MS }).chat('Hi'));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect((error as APITimeoutError).phase).toBe('request');
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(sent.bytes).toBeGreaterThan(0); // it really was trickling
    await server.requests.at(-1)!.closed;
  });

  it('a stream trickled one byte per interval longer than the idle timeout ends at the idle timeout (a byte a minute, scaled down)', async () => {
    const sent = { bytes: 0 };
    server.handle(trickle('text/event-stream', openAIChunk('Hello').repeat(50), 3 * TIMEOUT_MS, sent));
    const { error } = await failureOf(openaiModel({ timeout: 10_000, streamIdleTimeout: TIMEOUT_MS }).stream('Hi'));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect((error as APITimeoutError).phase).toBe('idle');
    expect(sent.bytes).toBeGreaterThanOrEqual(1); // the first byte came, then nothing for longer than the idle timeout
    await server.requests.at(-1)!.closed;
  });

  it('an Anthropic stream that goes silent after its first events ends at the idle timeout, as a StreamInterruptedError once text arrived', async () => {
    server.handle(async ({ res, signal }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg', type: 'message', role: 'assistant', content: [], model: 'm', stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } })}\n\n` +
          `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n` +
          `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } })}\n\n`,
      );
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    });
    const model = anthropic({ model: 'm', baseURL: server.url, apiKey: 'sk-ant-hostile-000', maxRetries: 0, streamIdleTimeout: TIMEOUT_MS });
    models.push(model);
    const { error } = await failureOf(model.stream('Hi'));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect((error as StreamInterruptedError).partialText).toBe('Hel');
    expect(error.cause).toBeInstanceOf(APITimeoutError);
    await server.requests.at(-1)!.closed;
  });

  it('a response head trickled slower than the timeout ends at the whole-request timeout', async () => {
    raw.script(() => ({ bytes: Buffer.from('HTTP/1.1 200 OK\r\n'), then: 'hang' }));
    const { error } = await failureOf(openaiModel({ baseURL: `${raw.url}/v1`, timeout: TIMEOUT_MS }).stream('Hi'));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect((error as APITimeoutError).phase).toBe('request');
  });
});

describe('hostile servers leave nothing behind', () => {
  it('every socket a hostile exchange used is closed by the client once it gave up', async () => {
    const written = { bytes: 0 };
    server.handle(endless({ headers: { 'content-type': 'application/json' } }, Buffer.alloc(64 * 1024, 'x'), GIB, written));
    const model = openaiModel();
    await lastValueFrom(model.chat('Hi').pipe(toArray())).catch(() => undefined);
    const request = server.requests.at(-1)!;
    expect(await request.closed).toEqual({ aborted: true });
    await request.socketClosed; // closed by the client (the server never ends this body)
  });
});
