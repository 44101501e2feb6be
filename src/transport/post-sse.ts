import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import type { Observable } from 'rxjs';
import type { Dispatcher } from 'undici';
import { ResponseTooLargeError, ResponseValidationError } from '../errors.js';
import { collectBody } from './collect-body.js';
import { errorFromErrorBody, isErrorBody } from './error-from-error-body.js';
import { headerValue } from './header-value.js';
import type { HttpPostOptions, SseEvent } from './http-types.js';
import { preview } from './post-json.js';
import { type ExchangeControls, parseJsonOrText, runExchange } from './run-exchange.js';

/** Most bytes read after the last event while draining the body for socket reuse. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
/** Longest wait for the body to end after the last event before the socket is closed instead. */
const DRAIN_TIMEOUT_MS = 1_000;

type Parsed = { kind: 'event'; event: EventSourceMessage } | { kind: 'error'; error: ParseError };

/**
 * POSTs `options.body` as JSON and emits the server-sent events of the answer as they arrive.
 *
 * Cold: nothing is sent before subscription; unsubscribing (or `options.signal`) aborts the socket at once.
 * Bytes go through one streaming `TextDecoder` into eventsource-parser, so UTF-8 characters and events split
 * across TCP writes arrive whole. `options.timeoutMs` bounds the wait for the first body byte (phase `'request'`),
 * `options.idleTimeoutMs` (default: `timeoutMs`) each wait between chunks (phase `'idle'`). When
 * `options.isLastEvent` says an event is the protocol's last, the Observable completes right after it and the rest
 * of the body is drained so the socket can be reused; otherwise it completes when the body ends.
 *
 * Errors: HTTP error statuses map through `errorFromResponse`; a 2xx that is not `text/event-stream` maps its JSON
 * error body if it has one (status taken from the body, else 500), else fails with `ResponseValidationError`, as do lines
 * that are not SSE; more than `maxResponseBytes` in total gives `ResponseTooLargeError`; a broken socket gives
 * `APIConnectionError`. All failures arrive as `LlmError`s on the Observable.
 *
 * @param options - URL, headers, body, dispatcher, timeouts and size cap.
 * @returns A cold Observable of `SseEvent`s, each with the response head it came on.
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
export function postSse(options: HttpPostOptions): Observable<SseEvent> {
  return runExchange<SseEvent>(options, 'text/event-stream', (response, controls) => {
    const contentType = headerValue(controls.meta.headers, 'content-type') ?? '';
    if (!/^\s*text\/event-stream\b/i.test(contentType)) {
      failWrongContentType(response.body, contentType, options, controls);
      return;
    }
    streamEvents(response.body, options, controls);
  });
}

function streamEvents(body: Dispatcher.ResponseData['body'], options: HttpPostOptions, controls: ExchangeControls<SseEvent>): void {
  const { provider, maxResponseBytes, isLastEvent } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? options.timeoutMs;
  const { meta, subscriber } = controls;
  const decoder = new TextDecoder('utf-8');
  const queue: Parsed[] = [];
  const parser = createParser({
    onEvent: (event) => queue.push({ kind: 'event', event }),
    onError: (error) => {
      if (error.type !== 'invalid-retry') queue.push({ kind: 'error', error });
    },
  });
  let received = 0;
  let drained = 0;
  let draining = false;
  let drainTimer: NodeJS.Timeout | undefined;
  let endsWithCr = false;

  const startDraining = () => {
    draining = true;
    controls.release();
    controls.clearDeadline();
    drainTimer = setTimeout(() => body.destroy(), DRAIN_TIMEOUT_MS);
    drainTimer.unref();
  };
  const flush = () => {
    while (queue.length > 0 && !controls.finished) {
      const item = queue.shift()!;
      if (item.kind === 'error') {
        controls.fail(
          new ResponseValidationError(`${provider} sent a malformed server-sent event: ${preview(item.error.line ?? item.error.message)}`, {
            provider,
            status: meta.status,
            ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }),
          }),
        );
        return;
      }
      const { event, data, id } = item.event;
      const last = isLastEvent?.({ data, ...(event === undefined ? {} : { event }) }) === true;
      if (last) startDraining();
      subscriber.next({ data, ...(event === undefined ? {} : { event }), ...(id === undefined ? {} : { id }), response: meta });
      if (last) {
        controls.complete();
        return;
      }
    }
  };

  body.on('data', (chunk: Buffer) => {
    if (draining) {
      drained += chunk.length;
      if (drained > DRAIN_LIMIT_BYTES) body.destroy();
      return;
    }
    received += chunk.length;
    if (controls.finished) return;
    if (received > maxResponseBytes) {
      body.destroy();
      controls.fail(new ResponseTooLargeError(maxResponseBytes, { provider, status: meta.status, ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }) }));
      return;
    }
    controls.setDeadline(idleTimeoutMs, 'idle');
    try {
      const text = decoder.decode(chunk, { stream: true });
      if (text !== '') endsWithCr = text.endsWith('\r');
      parser.feed(text);
      flush();
    } catch (error) {
      controls.fail(error);
    }
  });
  body.on('end', () => {
    if (drainTimer !== undefined) clearTimeout(drainTimer);
    if (controls.finished) return;
    try {
      const rest = decoder.decode();
      if (rest !== '') endsWithCr = rest.endsWith('\r');
      // A CR at the very end is a whole line end (SSE allows bare CR); the parser keeps it waiting for a possible LF.
      parser.feed(endsWithCr ? `${rest}\n` : rest);
      parser.reset({ consume: true });
      flush();
    } catch (error) {
      controls.fail(error);
      return;
    }
    controls.complete();
  });
  body.on('error', (error: unknown) => {
    if (drainTimer !== undefined) clearTimeout(drainTimer);
    controls.fail(error);
  });
  body.on('close', () => {
    if (drainTimer !== undefined) clearTimeout(drainTimer);
    controls.fail(new Error('The response body closed before it ended.'));
  });
}

function failWrongContentType(
  body: Dispatcher.ResponseData['body'],
  contentType: string,
  options: HttpPostOptions,
  controls: ExchangeControls<SseEvent>,
): void {
  const { provider } = options;
  const { meta } = controls;
  const where = { provider, status: meta.status, ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }) };
  collectBody(body, { limitBytes: Math.min(options.maxResponseBytes, 64 * 1024), overflow: 'truncate', provider }).then(
    (bytes) => {
      const parsed = parseJsonOrText(new TextDecoder().decode(bytes));
      if (isErrorBody(parsed)) {
        const shouldRetry = headerValue(meta.headers, 'x-should-retry');
        controls.fail(
          errorFromErrorBody({
            body: parsed,
            provider,
            fallbackStatus: meta.status >= 400 ? meta.status : 500,
            ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }),
            ...(meta.rateLimit?.retryAfterMs === undefined ? {} : { retryAfterMs: meta.rateLimit.retryAfterMs }),
            ...(shouldRetry === 'true' ? { shouldRetry: true } : shouldRetry === 'false' ? { shouldRetry: false } : {}),
          }),
        );
        return;
      }
      const shown = contentType === '' ? 'no content-type' : `content-type ${contentType}`;
      controls.fail(new ResponseValidationError(`${provider} answered ${meta.status} with ${shown}, expected text/event-stream.`, where));
    },
    controls.fail,
  );
}
