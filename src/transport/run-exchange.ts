import { EventEmitter } from 'node:events';
import { Observable, type Subscriber } from 'rxjs';
import type { Dispatcher } from 'undici';
import { APITimeoutError, LlmError, type TimeoutPhase } from '../errors.js';
import { errorFromResponse } from '../error-from-response.js';
import { collectBody } from './collect-body.js';
import { headerValue } from './header-value.js';
import type { HttpPostOptions, ResponseMeta } from './http-types.js';
import { toResponseMeta } from './to-response-meta.js';
import { toTransportError } from './to-transport-error.js';

/** Largest error body kept when the server answers an HTTP error status. */
const ERROR_BODY_LIMIT = 64 * 1024;

/** The controls a response handler gets for one exchange. */
export interface ExchangeControls<T> {
  readonly subscriber: Subscriber<T>;
  /** The response head, summarised. */
  readonly meta: ResponseMeta;
  /** True once the Observable errored, completed or was unsubscribed. */
  readonly finished: boolean;
  /** Fails the Observable once (later calls are ignored), mapping `error` to an `LlmError` and aborting the socket. */
  fail(error: unknown): void;
  /** Completes the Observable once, without aborting: the body ended or is being drained. */
  complete(): void;
  /** Keeps the socket: the body is fully read or being drained, so unsubscribing from now on does not abort it. */
  release(): void;
  /** Replaces the running deadline with a new one. */
  setDeadline(ms: number, phase: TimeoutPhase): void;
  clearDeadline(): void;
}

/** Handles a 2xx response head; must consume or destroy `response.body`. */
export type ResponseHandler<T> = (response: Dispatcher.ResponseData, controls: ExchangeControls<T>) => void;

/**
 * Runs one POST as a cold Observable; the shared skeleton of `postJson` and `postSse`.
 *
 * Nothing is sent before subscription. The `'request'` deadline (`options.timeoutMs`) starts at subscription;
 * handlers may replace it. Unsubscribing, `options.signal` or any failure aborts the request and destroys the
 * socket; a handler that calls `complete()` after the body ended (or while draining it) keeps the socket for reuse.
 * An HTTP error status reads up to 64 KiB of the body, parses it as JSON when it can and fails with the class
 * `errorFromResponse` chooses (with `retryAfterMs`, `x-should-retry` and the request id). Every error is an
 * `LlmError`; nothing throws out of a callback.
 *
 * @param options - The request.
 * @param accept - The `accept` header to send.
 * @param onResponse - Handles a 2xx response.
 * @returns A cold Observable of what `onResponse` emits.
 *
 * @example
 * ```ts
 * const text$ = runExchange<string>(options, 'text/plain', (response, controls) => {
 *   response.body.text().then((text) => { controls.subscriber.next(text); controls.complete(); }, controls.fail);
 * });
 * ```
 */
export function runExchange<T>(options: HttpPostOptions, accept: string, onResponse: ResponseHandler<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const { provider, signal } = options;
    const controller = new RequestAborter();
    let finished = false;
    let keepSocket = false;
    let timer: NodeJS.Timeout | undefined;
    let meta: ResponseMeta | undefined;

    const clearDeadline = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    const fail = (error: unknown) => {
      if (finished) return;
      finished = true;
      clearDeadline();
      controller.abort();
      subscriber.error(
        toTransportError(error, {
          provider,
          ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
          ...(meta?.requestId === undefined ? {} : { requestId: meta.requestId }),
        }),
      );
    };
    const complete = () => {
      if (finished) return;
      finished = true;
      keepSocket = true;
      clearDeadline();
      subscriber.complete();
    };
    let timerMs = 0;
    let timerPhase: TimeoutPhase | undefined;
    const setDeadline = (ms: number, phase: TimeoutPhase) => {
      if (finished) {
        clearDeadline();
        return;
      }
      // The same deadline again (a stream's idle timeout, per chunk): re-arm the timer instead of replacing it.
      if (timer !== undefined && ms === timerMs && phase === timerPhase) {
        timer.refresh();
        return;
      }
      clearDeadline();
      timerMs = ms;
      timerPhase = phase;
      timer = setTimeout(() => fail(new APITimeoutError(phase, ms, { provider, ...(meta?.requestId === undefined ? {} : { requestId: meta.requestId }) })), ms);
    };
    const onAbortSignal = () =>
      fail(new LlmError(`${provider}: the request was aborted.`, { provider, code: 'aborted', cause: signal?.reason }));

    const teardown = () => {
      finished = true;
      clearDeadline();
      signal?.removeEventListener('abort', onAbortSignal);
      if (!keepSocket) controller.abort();
    };

    if (signal?.aborted === true) {
      onAbortSignal();
      return teardown;
    }
    signal?.addEventListener('abort', onAbortSignal, { once: true });
    setDeadline(options.timeoutMs, 'request');

    let request: Promise<Dispatcher.ResponseData>;
    try {
      const { origin, path } = splitUrl(options.url);
      request = options.dispatcher.request({
        origin,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, ...options.headers },
        body: JSON.stringify(options.body),
        signal: controller,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (error) {
      fail(error);
      return teardown;
    }

    request.then(
      (response) => {
        response.body.on('error', () => undefined); // errors are read through the handlers below
        if (finished) {
          response.body.destroy();
          return;
        }
        meta = toResponseMeta(response.statusCode, response.headers, Date.now());
        const responseMeta = meta;
        if (response.statusCode < 200 || response.statusCode > 299) {
          readHttpError(response, responseMeta, provider).then(fail, fail);
          return;
        }
        const controls: ExchangeControls<T> = {
          subscriber,
          meta: responseMeta,
          get finished() {
            return finished;
          },
          fail,
          complete,
          release: () => {
            keepSocket = true;
          },
          setDeadline,
          clearDeadline,
        };
        try {
          onResponse(response, controls);
        } catch (error) {
          response.body.destroy();
          fail(error);
        }
      },
      (error: unknown) => fail(error),
    );

    return teardown;
  });
}

/**
 * What aborts one undici request: undici takes an `EventEmitter` with an `'abort'` event as its `signal`, which
 * costs a fraction of an `AbortController` (an `EventTarget`), made once per request.
 */
class RequestAborter extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/** One decoder for whole bodies (`decode` without `stream` keeps no state between calls). */
const UTF8 = new TextDecoder();

/** The last URL split, reused: a provider posts to the same URL every time. */
let lastUrl: { href: string; origin: string; path: string } | undefined;

/** `origin` and `path` (with the query) of `href`, as `new URL` gives them; throws as it does for a bad URL. */
function splitUrl(href: string): { origin: string; path: string } {
  if (lastUrl?.href !== href) {
    const url = new URL(href);
    lastUrl = { href, origin: url.origin, path: `${url.pathname}${url.search}` };
  }
  return lastUrl;
}

/**
 * Reads an HTTP error response (capped body, JSON if it parses) into the error class for its status.
 */
async function readHttpError(response: Dispatcher.ResponseData, meta: ResponseMeta, provider: string): Promise<LlmError> {
  let body: unknown;
  try {
    const bytes = await collectBody(response.body, { limitBytes: ERROR_BODY_LIMIT, overflow: 'truncate', provider });
    body = parseJsonOrText(UTF8.decode(bytes));
  } catch {
    body = undefined; // the status says enough; a broken error body does not hide it
  }
  const shouldRetry = headerValue(meta.headers, 'x-should-retry');
  return errorFromResponse({
    status: meta.status,
    provider,
    body,
    ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }),
    ...(meta.rateLimit?.retryAfterMs === undefined ? {} : { retryAfterMs: meta.rateLimit.retryAfterMs }),
    ...(shouldRetry === 'true' ? { shouldRetry: true } : shouldRetry === 'false' ? { shouldRetry: false } : {}),
  });
}

/**
 * Parses `text` as JSON, or returns it as it is.
 *
 * @example
 * ```ts
 * parseJsonOrText('{"a":1}'); // { a: 1 }
 * parseJsonOrText('Bad Gateway'); // 'Bad Gateway'
 * ```
 */
export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
