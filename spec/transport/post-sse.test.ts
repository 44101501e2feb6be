import { lastValueFrom, take, takeWhile, toArray } from 'rxjs';
import type { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APIConnectionError, APITimeoutError, ResponseTooLargeError, ResponseValidationError } from '../../src/errors/llm-error.js';
import { RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import { createAgent } from '../../src/transport/create-agent.js';
import type { HttpFailure, HttpPostOptions, SseEvent } from '../../src/transport/http-types.js';
import { postSse, type SseReader } from '../../src/transport/post-sse.js';
import { everyOffset, type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { readFixture } from '../support/openai-transcripts.js';
import { errorOf, settle } from '../support/settle.js';

let server: LocalServer;
let agent: Agent;

beforeEach(async () => {
  server = await startLocalServer();
  agent = createAgent();
});
afterEach(async () => {
  await server.close();
  await agent.destroy();
});

const isDone = (event: { data: string }) => event.data === '[DONE]';

function options(overrides: Partial<HttpPostOptions> = {}): HttpPostOptions {
  return {
    url: `${server.baseURL}/chat/completions`,
    headers: {},
    body: { stream: true },
    dispatcher: agent,
    provider: 'test',
    timeoutMs: 5000,
    maxResponseBytes: 1024 * 1024,
    ...overrides,
  };
}

const compact = readFixture('openai-stream-compact.sse');
const dataOf = (events: SseEvent[]) => events.map((event) => event.data);
const expectedCompact = [
  '{"choices":[{"delta":{"content":"héllo"}}]}',
  '{"choices":[{"delta":{"content":" 👋 世"}}]}',
  '{"choices":[{"delta":{"content":"界"},"finish_reason":"stop"}]}',
  '{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}',
  '[DONE]',
];

describe('postSse happy path', () => {
  it('emits each event with the response head, then completes when the body ends', async () => {
    server.handle(respond.sse('event: ping\ndata: {"a":1}\nid: 7\n\n: a comment\n\ndata: line one\ndata: line two\n\n', { headers: { 'x-request-id': 'req_sse' } }));
    const events = await lastValueFrom(postSse(options()).pipe(toArray()));
    expect(events.map(({ event, data, id }) => ({ event, data, id }))).toEqual([
      { event: 'ping', data: '{"a":1}', id: '7' },
      { event: undefined, data: 'line one\nline two', id: undefined },
    ]);
    expect(events[0]!.response).toMatchObject({ status: 200, requestId: 'req_sse' });
    expect(server.requests[0]!.headers.accept).toBe('text/event-stream');
  });

  it('gives identical events when every byte (multi-byte UTF-8, CRLF) arrives in its own write', async () => {
    server.handle(respond.sse(compact, { splitAt: everyOffset(Buffer.byteLength(compact)), gapMs: 0 }));
    expect(dataOf(await lastValueFrom(postSse(options()).pipe(toArray())))).toEqual(expectedCompact);
  });

  it('drops a UTF-8 byte order mark at the start of the stream, even when it arrives split', async () => {
    const withBom = `\uFEFF${compact}`;
    server.handle(respond.sse(withBom, { splitAt: everyOffset(Buffer.byteLength(withBom)), gapMs: 0 }));
    expect(dataOf(await lastValueFrom(postSse(options()).pipe(toArray())))).toEqual(expectedCompact);
  });

  it('reads a recorded OpenAI transcript cut in uneven pieces', async () => {
    const transcript = readFixture('openai-stream.sse');
    server.handle(respond.sse(transcript, { splitAt: [1, 2, 3, 50, 51, 400, 401, 402, 999, 1500, 1501], gapMs: 2 }));
    const events = await lastValueFrom(postSse(options()).pipe(toArray()));
    expect(events).toHaveLength(9);
    expect(events.at(-1)!.data).toBe('[DONE]');
  });

  it('stops reading for the consumer at the last event and completes when the body ends, keeping the socket for reuse', async () => {
    server.enqueue(respond.sse(compact), respond.sse(compact));
    for (let i = 0; i < 2; i += 1) {
      const events = await lastValueFrom(postSse(options({ isLastEvent: isDone })).pipe(toArray()));
      expect(dataOf(events)).toEqual(expectedCompact);
    }
    await Promise.all(server.requests.map((request) => request.closed));
    expect(server.requests.map((request) => request.aborted)).toEqual([false, false]);
    expect(server.closedSockets).toBe(0);
  });

  it('completes 1 s after the last event when the server then hangs, closing that socket', async () => {
    server.handle(respond.sse(compact, { then: 'hang' }));
    const events = await lastValueFrom(postSse(options({ isLastEvent: isDone })).pipe(toArray()));
    expect(dataOf(events)).toEqual(expectedCompact);
    await expect(server.requests[0]!.closed).resolves.toEqual({ aborted: true });
  });

  it('keeps the socket when the consumer unsubscribes at the last event, before the body ends', async () => {
    const body = 'data: a\n\ndata: [DONE]\n\n';
    server.handle(respond.sse(`${body}: the end comes later\n\n`, { splitAt: [body.length], gapMs: 30 }));
    const events = await lastValueFrom(postSse(options({ isLastEvent: isDone })).pipe(takeWhile((event) => event.data !== '[DONE]'), toArray()));
    expect(dataOf(events)).toEqual(['a']);
    await expect(server.requests[0]!.closed).resolves.toEqual({ aborted: false });
    expect(server.closedSockets).toBe(0);
  });

  it('closes the socket instead when more than 64 KiB follow the last event', async () => {
    const body = 'data: a\n\ndata: [DONE]\n\n';
    server.handle(respond.sse(`${body}:${'x'.repeat(100_000)}\n\n`, { splitAt: [body.length, body.length + 40_000, body.length + 80_000], gapMs: 5 }));
    const events = await lastValueFrom(postSse(options({ isLastEvent: isDone })).pipe(toArray()));
    expect(dataOf(events)).toEqual(['a', '[DONE]']);
    await expect(server.requests[0]!.closed).resolves.toEqual({ aborted: true });
  });

  it('ignores events after the last one', async () => {
    server.handle(respond.sse('data: a\n\ndata: [DONE]\n\ndata: late\n\n'));
    const events = await lastValueFrom(postSse(options({ isLastEvent: isDone })).pipe(toArray()));
    expect(dataOf(events)).toEqual(['a', '[DONE]']);
  });
});

describe('postSse with a reader', () => {
  const upper = (): SseReader<string> => {
    let seen = 0;
    return {
      push: (event) => {
        seen += 1;
        if (event.data === 'bad') throw new ResponseValidationError('test: bad event', { provider: 'test' });
        return event.data === '[DONE]' ? [] : [event.data.toUpperCase(), `#${seen}`];
      },
      end: () => [`end after ${seen}`],
    };
  };

  it("emits the reader's values per event, then its end values, at the last event", async () => {
    server.handle(respond.sse('data: a\n\ndata: b\n\ndata: [DONE]\n\n'));
    const values = await lastValueFrom(postSse(options({ isLastEvent: isDone }), upper).pipe(toArray()));
    expect(values).toEqual(['A', '#1', 'B', '#2', 'end after 3']);
  });

  it('gives each subscription a fresh reader, and ends it at the body end when no event is the last', async () => {
    server.handle(respond.sse('data: a\n\n'));
    const stream = postSse(options(), upper);
    expect(await lastValueFrom(stream.pipe(toArray()))).toEqual(['A', '#1', 'end after 1']);
    expect(await lastValueFrom(stream.pipe(toArray()))).toEqual(['A', '#1', 'end after 1']);
  });

  it('fails with the error the reader throws, unchanged, after the values so far, and closes the socket', async () => {
    server.handle(respond.sse('data: a\n\ndata: bad\n\n', { splitAt: [9], then: 'hang' }));
    const { values, error } = await settle(postSse(options(), upper));
    expect(values).toEqual(['A', '#1']);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toBe('test: bad event');
    await expect(server.requests[0]!.closed).resolves.toEqual({ aborted: true });
  });
});

describe('postSse cancellation', () => {
  it('aborts the socket when the consumer unsubscribes mid-stream; the server sees it close', async () => {
    server.handle(respond.sse('data: one\n\ndata: two\n\n', { splitAt: [11], then: 'hang' }));
    const events = await lastValueFrom(postSse(options()).pipe(take(1), toArray()));
    expect(dataOf(events)).toEqual(['one']);
    await expect(server.requests[0]!.closed).resolves.toEqual({ aborted: true });
    await server.requests[0]!.socketClosed;
  });
});

describe('postSse timeouts', () => {
  it('times out waiting for the head: APITimeoutError phase request', async () => {
    server.handle(respond.hang());
    const error = await errorOf(postSse(options({ timeoutMs: 100, idleTimeoutMs: 5000 })));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(error).toMatchObject({ phase: 'request', retryable: true });
    await server.requests[0]!.socketClosed;
  });

  it('times out waiting for the first body byte after the head: phase request', async () => {
    server.handle(respond.sse('', { then: 'hang' }));
    expect(await errorOf(postSse(options({ timeoutMs: 100, idleTimeoutMs: 5000 })))).toMatchObject({ name: 'APITimeoutError', phase: 'request' });
  });

  it('times out a stream that stalls between chunks: phase idle, after the events so far', async () => {
    server.handle(respond.sse('data: one\n\n', { then: 'hang' }));
    const { values, error } = await settle(postSse(options({ timeoutMs: 5000, idleTimeoutMs: 100 })));
    expect(dataOf(values)).toEqual(['one']);
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(error).toMatchObject({ phase: 'idle', code: 'idle_timeout' });
    await server.requests[0]!.socketClosed;
  });

  it('resets the idle timer on every chunk', async () => {
    const pieces = 'data: a\n\ndata: b\n\ndata: c\n\ndata: d\n\n';
    server.handle(respond.sse(pieces, { splitAt: [9, 18, 27], gapMs: 60 }));
    const events = await lastValueFrom(postSse(options({ idleTimeoutMs: 150 })).pipe(toArray()));
    expect(dataOf(events)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('postSse errors', () => {
  it('maps an HTTP error status with its JSON body', async () => {
    server.handle(respond.json(429, { error: { message: 'slow down' } }, { 'retry-after-ms': '10' }));
    const error = await errorOf(postSse(options()));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 10 });
  });

  it('asks readError about a 2xx that is not an event stream, else fails with ResponseValidationError', async () => {
    server.enqueue(respond.json(200, { error: { message: 'Rate limit exceeded', code: 429 } }), respond.json(200, { error: { message: 'odd' } }));
    const readError = (failure: HttpFailure) => new RateLimitError('read', { status: 429, body: failure.body });
    expect(await errorOf(postSse({ ...options(), readError }))).toMatchObject({ name: 'RateLimitError', body: { error: { code: 429 } } });
    expect(await errorOf(postSse(options()))).toMatchObject({ name: 'ResponseValidationError', status: 200 });
  });

  it('fails with ResponseValidationError on a 2xx with the wrong content type', async () => {
    server.handle(respond.text(200, '<html>hi</html>', { 'content-type': 'text/html' }));
    const error = await errorOf(postSse(options()));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain('text/html');
  });

  it('fails with a retryable APIConnectionError on lines that are not SSE', async () => {
    server.handle(respond.sse('this is not sse\n\n'));
    const error = await errorOf(postSse(options()));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ retryable: true, code: 'malformed_body' });
    expect((error as Error).message).toContain('malformed server-sent event');
  });

  it('fails with APIConnectionError on a non-SSE tail without a newline', async () => {
    server.handle(respond.sse('data: ok\n\n{"error":"boom"}'));
    const { values, error } = await settle(postSse(options()));
    expect(dataOf(values)).toEqual(['ok']);
    expect(error).toBeInstanceOf(APIConnectionError);
  });

  it('fails with APIConnectionError when the connection drops mid-stream, after the events so far', async () => {
    const firstEventBytes = Buffer.byteLength(compact.slice(0, compact.indexOf('\n\n') + 2));
    server.handle(respond.dropAfter(firstEventBytes + 10, compact, { contentType: 'text/event-stream' }));
    const { values, error } = await settle(postSse(options()));
    expect(dataOf(values)).toEqual([expectedCompact[0]]);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ retryable: true });
  });

  it('fails with APIConnectionError when the socket is reset before any answer', async () => {
    server.handle(respond.resetSocket());
    expect(await errorOf(postSse(options()))).toBeInstanceOf(APIConnectionError);
  });

  it('cuts an endless stream off at maxResponseBytes and frees the socket', async () => {
    server.handle(respond.endless({ contentType: 'text/event-stream', piece: ': keep-alive padding\n\n'.repeat(200) }));
    const error = await errorOf(postSse(options({ maxResponseBytes: 50_000 })));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    await server.requests[0]!.socketClosed;
  });
});
