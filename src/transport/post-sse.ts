import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { Observable } from 'rxjs';
import { APIConnectionError, ResponseTooLargeError, ResponseValidationError } from '../errors/llm-error.js';
import { type BodyReader, collectBody } from './collect-body.js';
import { lowerCaseHeader } from './header-value.js';
import type { HttpPostOptions, SseEvent } from './http-types.js';
import { preview } from './post-json.js';
import { refuseEncodedBody } from './refuse-encoded-body.js';
import { readUnexpectedBody } from './read-unexpected-body.js';
import { type ExchangeControls, runExchange, whereOf } from './run-exchange.js';

/**
 * POSTs `options.body` as JSON and emits the server-sent events of the answer as they arrive.
 *
 * Cold: nothing is sent before subscription; unsubscribing (or `options.signal`) aborts the socket at once.
 * Bytes go through one streaming `TextDecoder` into eventsource-parser, so UTF-8 characters and events split
 * across TCP writes arrive whole. `options.timeoutMs` bounds the wait for the first body byte (phase `'request'`),
 * `options.idleTimeoutMs` (default: `timeoutMs`) each wait between chunks (phase `'idle'`). When
 * `options.isLastEvent` says an event is the protocol's last, it is emitted and nothing after it is; the Observable
 * completes when the body ends (the request counts as in flight until the server is done with it), or 1 s after that
 * event if the body never ends (that socket is then closed; past 64 KiB more, too). Without a last event it completes
 * when the body ends.
 *
 * Errors: an HTTP error status, and a 2xx that is not `text/event-stream`, fail with what `options.readError` makes
 * of the body; else an error status with the class `errorFromResponse` picks for it, and a 2xx with
 * `ResponseValidationError`, as do lines that are not SSE; more than `maxResponseBytes` in total gives `ResponseTooLargeError`; a broken socket gives
 * `APIConnectionError`. All failures arrive as `LlmError`s on the Observable.
 *
 * With `read`, each exchange gets a fresh `SseReader` (from `read()`) that turns events into values: what
 * `concatMap(push)` + `concatWith(defer(end))` would give, without an Observable layer per stream or per event. An
 * error the reader throws fails the Observable (an `LlmError` as it is).
 *
 * @param options - URL, headers, body, dispatcher, timeouts and size cap.
 * @param read - Makes the reader of one exchange.
 * @returns A cold Observable of `SseEvent`s, each with the response head it came on (or of what the reader yields).
 *
 * @example
 * ```ts
 * const agent = createAgent();
 * postSse({ url: 'http://127.0.0.1:8080/v1/chat/completions', headers: {},
 *   body: { model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true },
 *   dispatcher: agent, provider: 'local', timeoutMs: 60_000, maxResponseBytes: 32 << 20,
 *   isLastEvent: (event) => event.data === '[DONE]' })
 *   .subscribe((event) => console.log(event.data));
 * ```
 */
export function postSse(options: HttpPostOptions): Observable<SseEvent>;
export function postSse<T>(options: HttpPostOptions, read: () => SseReader<T>): Observable<T>;
export function postSse<T>(options: HttpPostOptions, read?: () => SseReader<T>): Observable<T | SseEvent> {
  return runExchange<T | SseEvent>(options, 'text/event-stream', (controls) => {
    if (refuseEncodedBody(controls, options.provider)) return undefined;
    const contentType = lowerCaseHeader(controls.meta.headers, 'content-type') ?? '';
    if (!/^\s*text\/event-stream\b/i.test(contentType)) return readUnexpectedBody(contentType, 'text/event-stream', options, controls);
    return readEvents(options, controls, read?.());
  });
}

/**
 * Turns the events of one stream into values (often none per event); throws an `LlmError` to fail the stream.
 *
 * @example
 * ```ts
 * const reader: SseReader<string> = { push: (event) => (event.data === '[DONE]' ? [] : [event.data]), end: () => [] };
 * ```
 */
export interface SseReader<T> {
  /** The values one event yields. */
  push(event: SseEvent): readonly T[];
  /** The values owed when the stream ends (at the last event or the body's end). */
  end(): readonly T[];
}

/**
 * The event stream's body reader: bytes through one streaming decoder into eventsource-parser, each event emitted as
 * it completes (or handed to `reader`, whose values are emitted).
 */
function readEvents<T>(options: HttpPostOptions, controls: ExchangeControls<T | SseEvent>, reader: SseReader<T> | undefined): BodyReader {
  const { provider, maxResponseBytes, isLastEvent } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? options.timeoutMs;
  const { meta, subscriber } = controls;
  // Node's `StringDecoder`, not a streaming `TextDecoder`: the same text for any split of the same bytes (valid or not),
  // at a quarter of the CPU per chunk on Node 20 (150 vs 650 ns per event; issue 25). It keeps a byte order mark,
  // which `TextDecoder` drops: `text()` drops it.
  const decoder = new StringDecoder('utf8');
  let atStart = true;
  const text = (decoded: string): string => {
    if (!atStart || decoded === '') return decoded;
    atStart = false;
    return decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  };
  let received = 0;
  let endsWithCr = false;
  // The parser calls back synchronously from `feed`; once the exchange is finished (failed, or completed at the
  // last event) the rest of that feed is ignored.
  const parser = createParser({
    onEvent: ({ event, data, id }) => {
      if (controls.finished) return;
      const sse: SseEvent = { data, response: meta };
      if (event !== undefined) sse.event = event;
      if (id !== undefined) sse.id = id;
      const last = isLastEvent?.(sse) === true;
      if (last) controls.release(); // a consumer that unsubscribes at the last event keeps the socket too
      if (reader === undefined) subscriber.next(sse);
      else for (const value of reader.push(sse)) subscriber.next(value); // a throw fails the exchange (see `onData`)
      if (last) finish();
    },
    onError: (error) => {
      if (error.type === 'invalid-retry' || controls.finished) return;
      controls.fail(
        new APIConnectionError(`${provider} sent a malformed server-sent event: ${preview(error.line ?? error.message)}`, {
          ...whereOf(provider, meta),
          code: 'malformed_body',
        }),
      );
    },
  });
  /** The stream ended: the reader's last values, then completion. */
  const finish = () => {
    if (controls.finished) return;
    if (reader !== undefined) for (const value of reader.end()) subscriber.next(value);
    controls.complete();
  };
  return {
    data(chunk) {
      received += chunk.length;
      if (received > maxResponseBytes) {
        controls.fail(new ResponseTooLargeError(maxResponseBytes, whereOf(provider, meta)));
        return;
      }
      controls.setDeadline(idleTimeoutMs, 'idle');
      const decoded = text(decoder.write(chunk));
      if (decoded !== '') endsWithCr = decoded.endsWith('\r');
      parser.feed(decoded);
    },
    end() {
      const rest = text(decoder.end());
      if (rest !== '') endsWithCr = rest.endsWith('\r');
      // A CR at the very end is a whole line end (SSE allows bare CR); the parser keeps it waiting for a possible LF.
      parser.feed(endsWithCr ? `${rest}\n` : rest);
      parser.reset({ consume: true });
      finish();
    },
  };
}
