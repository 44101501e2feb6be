import type { EventEmitter } from 'node:events';
import { Observable, type Subscriber, type Unsubscribable } from 'rxjs';
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
  /**
   * Fails the Observable once (later calls are ignored), mapping `error` to an `LlmError` and aborting the socket.
   * Bound: it may be passed on as a callback (`promise.then(…, controls.fail)`).
   */
  readonly fail: (error: unknown) => void;
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
  return new Observable<T>((subscriber) => new Exchange(options, accept, onResponse, subscriber).start());
}

/**
 * One exchange in one object: its state, the controls its handler gets, the abort signal undici listens to and the
 * teardown rxjs calls. A request runs at high volume (thousands per second, hundreds in flight), so this replaces a
 * dozen closures, a controls object, an `EventEmitter` and a Promise per request; what stays in flight is smaller
 * and survives fewer young-generation collections.
 */
class Exchange<T> implements ExchangeControls<T>, Unsubscribable {
  /** Read by undici as the abort signal's state. */
  aborted = false;
  finished = false;
  private keepSocket = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  private timerMs = 0;
  private timerPhase: TimeoutPhase | undefined = undefined;
  /** When the running deadline was last set (`performance.now()`). */
  private touchedAt = 0;
  private head: ResponseMeta | undefined = undefined;
  /** undici's abort listener (one per request); `extraAbortListeners` only if ever more than one registers. */
  private abortListener: (() => void) | undefined = undefined;
  private extraAbortListeners: (() => void)[] | undefined = undefined;
  private onAbortSignal: (() => void) | undefined = undefined;

  constructor(
    private readonly options: HttpPostOptions,
    private readonly accept: string,
    private readonly onResponse: ResponseHandler<T>,
    readonly subscriber: Subscriber<T>,
  ) {}

  get meta(): ResponseMeta {
    if (this.head === undefined) throw new Error('runExchange: no response head yet');
    return this.head;
  }

  /** Sends the request; returns the teardown. */
  start(): Unsubscribable {
    const { signal } = this.options;
    if (signal !== undefined) {
      this.onAbortSignal = () =>
        this.fail(new LlmError(`${this.options.provider}: the request was aborted.`, { provider: this.options.provider, code: 'aborted', cause: signal.reason }));
      if (signal.aborted) {
        this.onAbortSignal();
        return this;
      }
      signal.addEventListener('abort', this.onAbortSignal, { once: true });
    }
    this.setDeadline(this.options.timeoutMs, 'request');
    try {
      const { origin, path } = splitUrl(this.options.url);
      this.options.dispatcher.request(
        {
          origin,
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: this.accept, ...this.options.headers },
          body: JSON.stringify(this.options.body),
          // undici takes any object with `aborted` and `addEventListener('abort', …)` as a signal: this one costs
          // nothing extra (an AbortController is an EventTarget; even an EventEmitter is a few objects per request).
          signal: this as unknown as EventEmitter,
          opaque: this as Exchange<unknown>,
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        onUndiciResponse,
      );
    } catch (error) {
      this.fail(error);
    }
    return this;
  }

  /** The request's outcome from undici: a response head, or the failure to get one. */
  handle(error: Error | null, response: Dispatcher.ResponseData<unknown>): void {
    if (error !== null) {
      this.fail(error);
      return;
    }
    response.body.on('error', ignore); // errors are read through the handlers
    if (this.finished) {
      response.body.destroy();
      return;
    }
    const meta = toResponseMeta(response.statusCode, response.headers, Date.now());
    this.head = meta;
    if (response.statusCode < 200 || response.statusCode > 299) {
      readHttpError(response, meta, this.options.provider).then(this.fail, this.fail);
      return;
    }
    try {
      this.onResponse(response as Dispatcher.ResponseData, this);
    } catch (handlerError) {
      response.body.destroy();
      this.fail(handlerError);
    }
  }

  readonly fail = (error: unknown): void => {
    if (this.finished) return;
    this.finished = true;
    this.clearDeadline();
    this.abort();
    const { provider, connectTimeoutMs } = this.options;
    const requestId = this.head?.requestId;
    this.subscriber.error(
      toTransportError(error, {
        provider,
        ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
        ...(requestId === undefined ? {} : { requestId }),
      }),
    );
  };

  complete(): void {
    if (this.finished) return;
    this.finished = true;
    this.keepSocket = true;
    this.clearDeadline();
    this.subscriber.complete();
  }

  release(): void {
    this.keepSocket = true;
  }

  setDeadline(ms: number, phase: TimeoutPhase): void {
    if (this.finished) {
      this.clearDeadline();
      return;
    }
    // The same deadline again (a stream's idle timeout, per chunk): only note the time; the timer, when it fires,
    // sleeps again for what is left (cheaper than re-arming a timer per chunk).
    if (this.timer !== undefined && ms === this.timerMs && phase === this.timerPhase) {
      this.touchedAt = performance.now();
      return;
    }
    this.clearDeadline();
    this.timerMs = ms;
    this.timerPhase = phase;
    this.touchedAt = performance.now();
    this.timer = setTimeout(onDeadline, ms, this);
  }

  clearDeadline(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The timer fired: the deadline passed, unless it was set again since (then sleep for the rest). */
  timedOut(): void {
    const idleMs = performance.now() - this.touchedAt;
    if (idleMs < this.timerMs) {
      this.timer = setTimeout(onDeadline, Math.max(1, Math.ceil(this.timerMs - idleMs)), this);
      return;
    }
    const { provider } = this.options;
    const requestId = this.head?.requestId;
    this.fail(new APITimeoutError(this.timerPhase ?? 'request', this.timerMs, { provider, ...(requestId === undefined ? {} : { requestId }) }));
  }

  /** The teardown: unsubscribing (or the end of the Observable) aborts the socket unless a handler kept it. */
  unsubscribe(): void {
    this.finished = true;
    this.clearDeadline();
    if (this.onAbortSignal !== undefined) this.options.signal?.removeEventListener('abort', this.onAbortSignal);
    if (!this.keepSocket) this.abort();
  }

  // The abort-signal side, as undici uses it.

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.abortListener === undefined) this.abortListener = listener;
    else (this.extraAbortListeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.abortListener === listener) this.abortListener = undefined;
    else if (this.extraAbortListeners !== undefined) this.extraAbortListeners = this.extraAbortListeners.filter((other) => other !== listener);
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listener = this.abortListener;
    const extra = this.extraAbortListeners;
    this.abortListener = undefined;
    this.extraAbortListeners = undefined;
    listener?.();
    if (extra !== undefined) for (const other of extra) other();
  }
}

/** undici's callback for every exchange (the exchange rides along as `opaque`, so no closure is made per request). */
function onUndiciResponse(error: Error | null, response: Dispatcher.ResponseData<unknown>): void {
  const exchange = response.opaque as Exchange<unknown>;
  try {
    exchange.handle(error, response);
  } catch (unexpected) {
    // undici would rethrow this in a microtask, i.e. crash the process: fail the exchange instead.
    exchange.fail(unexpected);
  }
}

function onDeadline(exchange: Exchange<unknown>): void {
  exchange.timedOut();
}

function ignore(): void {}

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
async function readHttpError(response: Dispatcher.ResponseData<unknown>, meta: ResponseMeta, provider: string): Promise<LlmError> {
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
