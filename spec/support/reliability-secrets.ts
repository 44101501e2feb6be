/**
 * Secret-leak helpers for the reliability specs: random API keys, servers that echo the request back (headers and
 * all), and a check that no recognisable piece of a key survives in an error or a text.
 *
 * ```ts
 * fc.assert(fc.asyncProperty(apiKeyArbitrary, async (key) => {
 *   server.handle(echoHandler({ status: 401, format: 'json-headers', padding: 0, requestIdIsKey: true }));
 *   const error = await errorOf(model.chat('Hi'));
 *   expect(leaksIn(errorSurfaces(error), key)).toEqual([]);
 * }));
 * ```
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import type { Exchange, Handler } from './local-server.js';

/** Shortest piece of a key that counts as a leak: a truncated key is still a leaked key. */
export const LEAK_WINDOW = 12;

/** Realistic API keys: an optional vendor prefix, then 24 to 80 characters of `[A-Za-z0-9_-]`. */
export const apiKeyArbitrary: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('', 'sk-', 'sk-proj-', 'sk-ant-api03-', 'gsk_', 'or-v1-'), fc.stringMatching(/^[A-Za-z0-9_-]{24,80}$/))
  .map(([prefix, body]) => `${prefix}${body}`);

/**
 * The places an error shows itself: `message`, `stack`, `toString()`, `JSON.stringify`, `util.inspect` (plain and
 * deep), the fields that can carry server text (`code`, `requestId`, `body`, `issues`) and the same for each `cause`.
 */
export function errorSurfaces(error: unknown): Record<string, string> {
  const surfaces: Record<string, string> = {};
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    const at = depth === 0 ? 'error' : `error${'.cause'.repeat(depth)}`;
    const value = current as Record<string, unknown> & { cause?: unknown };
    if (current instanceof Error) {
      surfaces[`${at}.message`] = current.message;
      surfaces[`${at}.stack`] = current.stack ?? '';
    }
    surfaces[`${at}.toString()`] = String(current);
    surfaces[`JSON.stringify(${at})`] = safeStringify(current);
    surfaces[`inspect(${at})`] = inspect(current);
    surfaces[`inspect(${at}, deep)`] = inspect(current, { depth: 8, showHidden: true, getters: true });
    for (const field of ['code', 'requestId', 'body', 'issues', 'partialText'] as const) {
      if (value[field] !== undefined) surfaces[`${at}.${field}`] = typeof value[field] === 'string' ? value[field] : safeStringify(value[field]);
    }
    current = value.cause;
  }
  return surfaces;
}

/**
 * Where a piece of `secret` (any `LEAK_WINDOW` consecutive characters, or the whole secret when shorter) appears
 * in `texts`: the names of the texts, with the offending piece. `[]` when nothing leaks.
 */
export function leaksIn(texts: Record<string, string>, secret: string): string[] {
  const windows = secret.length <= LEAK_WINDOW ? [secret] : Array.from({ length: secret.length - LEAK_WINDOW + 1 }, (_, i) => secret.slice(i, i + LEAK_WINDOW));
  const found: string[] = [];
  for (const [name, text] of Object.entries(texts)) {
    const piece = windows.find((window) => text.includes(window));
    if (piece !== undefined) found.push(`${name} contains ${JSON.stringify(piece)}: ${JSON.stringify(excerpt(text, piece))}`);
  }
  return found;
}

/** How an echoing server repeats the request back. */
export type EchoFormat = 'json-headers' | 'raw-head';

/** The request as the server saw it, in `format`, after `padding` filler characters (to move truncation points around). */
export function echoOf(exchange: Exchange, format: EchoFormat, padding: number): string {
  const { req } = exchange;
  const filler = '.'.repeat(padding);
  if (format === 'json-headers') return `${filler}request headers: ${JSON.stringify(req.headers)}`;
  const lines = [`${req.method ?? 'POST'} ${req.url ?? '/'} HTTP/${req.httpVersion}`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return `${filler}${lines.join('\r\n')}`;
}

/** Every way the echo servers answer; each reaches a different error path of the client. */
export const ECHO_BEHAVIOURS = [
  'status-json', // an HTTP error status with a JSON error body whose message and code echo the request
  'status-text', // an HTTP error status with a text/plain echo (long: the message is truncated)
  'status-html', // an HTTP error status with an HTML page holding the echo
  'ok-not-json', // a 200 `application/json` whose body is the echo, not JSON
  'ok-wrong-shape', // a 200 JSON body of the wrong shape, echo inside
  'ok-html', // a 200 text/html echo (wrong content type)
  'ok-error-envelope', // a 200 JSON `{ error: { message: echo } }`
  'sse-not-json', // an event stream whose first event's data is the echo
  'sse-error-event', // an event stream with an error event echoing the request
  'sse-garbage-line', // an event stream with a line that is not SSE, holding the echo
  'sse-error-after-chunk', // a good chunk, then an error event with the echo (a stream interrupted)
  'sse-drop-after-chunk', // a good chunk whose text is harmless, then the socket dropped
  'malformed-head', // a response head broken by a control character, the echo after it (undici's parser error quotes it)
  'status-text-at-cap', // an error body whose echoed key straddles the 64 KiB error-body cap
  'sse-key-in-text-then-drop', // a good chunk whose text is the echoed key, then the socket dropped (partial text)
] as const;

/** One of `ECHO_BEHAVIOURS`. */
export type EchoBehaviour = (typeof ECHO_BEHAVIOURS)[number];

/** What an echo handler does; see `echoHandler`. */
export interface EchoScript {
  behaviour: EchoBehaviour;
  /** For the `status-*` behaviours. */
  status: number;
  format: EchoFormat;
  padding: number;
  /** Sends the key itself back as the `x-request-id` / `request-id` header. */
  requestIdIsKey: boolean;
  /** `openai` or `anthropic` shapes for the good chunk of `sse-*-after-chunk`. */
  wire: 'openai' | 'anthropic';
}

/** A handler that answers per `script`, echoing the request (its headers carry the key). */
export function echoHandler(script: EchoScript): Handler {
  return (exchange) => {
    const { res } = exchange;
    const echo = echoOf(exchange, script.format, script.padding);
    const secretHeader = exchange.req.headers['x-api-key'] ?? exchange.req.headers.authorization ?? '';
    const keyEcho = Array.isArray(secretHeader) ? secretHeader.join(',') : secretHeader.replace(/^Bearer\s+/i, '');
    const headers: Record<string, string> = script.requestIdIsKey && keyEcho !== '' ? { 'x-request-id': keyEcho, 'request-id': keyEcho } : {};
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    };
    const sse = (body: string, then: 'end' | 'drop' = 'end') => {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream' });
      if (then === 'end') res.end(body);
      else res.write(body, () => res.socket?.destroy());
    };
    const errorEnvelope = JSON.stringify({ error: { message: echo, type: keyEcho, code: keyEcho, param: echo } });
    switch (script.behaviour) {
      case 'status-json':
        return send(script.status, 'application/json', errorEnvelope);
      case 'status-text':
        return send(script.status, 'text/plain', echo);
      case 'status-html':
        return send(script.status, 'text/html', `<html><body><pre>${echo}</pre></body></html>`);
      case 'ok-not-json':
        return send(200, 'application/json', echo);
      case 'ok-wrong-shape':
        return send(200, 'application/json', JSON.stringify({ choices: echo, content: echo, [keyEcho]: echo, type: 'message' }));
      case 'ok-html':
        return send(200, 'text/html', echo);
      case 'ok-error-envelope':
        return send(200, 'application/json', errorEnvelope);
      case 'sse-not-json':
        return sse(`data: ${echo.replace(/[\r\n]+/g, ' ')}\n\n`);
      case 'sse-error-event':
        return sse(`event: error\ndata: ${errorEnvelope}\n\n`);
      case 'sse-garbage-line':
        return sse(`${echo.replace(/[\r\n:]+/g, ' ')}\n\n`);
      case 'sse-error-after-chunk':
        return sse(`${goodChunk(script.wire)}event: error\ndata: ${errorEnvelope}\n\n`);
      case 'sse-drop-after-chunk':
        return sse(goodChunk(script.wire), 'drop');
      case 'malformed-head': {
        // Written straight to the socket: no HTTP server would send this head.
        const socket = res.socket!;
        socket.write(`HTTP/1.1 200 OK\r\nx-bad: \u0001 ${echo.replace(/[\r\n]+/g, ' ')}\r\n\r\n`, 'latin1', () => socket.destroy());
        return;
      }
      case 'status-text-at-cap': {
        // The key starts `inside` bytes before the cap, so a cut before redaction keeps exactly that many characters.
        const inside = 1 + (script.padding % Math.max(1, keyEcho.length - 1));
        return send(script.status, 'text/plain', `${'.'.repeat(ERROR_BODY_CAP - inside)}${keyEcho}\n${echo}`);
      }
      case 'sse-key-in-text-then-drop':
        return sse(goodChunk(script.wire, `your key is ${keyEcho}`), 'drop');
    }
  };
}

/** The arbitrary of `EchoScript`s. */
export const echoScriptArbitrary: fc.Arbitrary<EchoScript> = fc.record({
  behaviour: fc.constantFrom(...ECHO_BEHAVIOURS),
  status: fc.constantFrom(400, 401, 402, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529),
  format: fc.constantFrom<EchoFormat>('json-headers', 'raw-head'),
  // Unbiased: the interesting paddings are those that put a truncation point (120, 300 characters) inside the key.
  padding: fc.noBias(fc.integer({ min: 0, max: 400 })),
  requestIdIsKey: fc.boolean(),
  wire: fc.constantFrom<'openai' | 'anthropic'>('openai', 'anthropic'),
});

/** The client's cap on an error body (bytes). */
const ERROR_BODY_CAP = 64 * 1024;

function goodChunk(wire: 'openai' | 'anthropic', text = 'Hello'): string {
  if (wire === 'openai') {
    return `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
  }
  return (
    `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'msg', type: 'message', role: 'assistant', content: [], model: 'm', stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } })}\n\n` +
    `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n` +
    `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`
  );
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (error) {
    return `<unserialisable: ${String(error)}>`;
  }
}

function excerpt(text: string, piece: string): string {
  const at = text.indexOf(piece);
  return text.slice(Math.max(0, at - 40), at + piece.length + 40);
}
