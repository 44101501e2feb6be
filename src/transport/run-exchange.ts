// Hand-written operator: one HTTP exchange as an Observable, on undici's `dispatch` callback API.
// Contract: subscribing sends the request; the response handler's `fail` / `complete` end it once; unsubscribing
// aborts the socket (or drains it after `release()`); every error reaches `subscriber.error` as an `LlmError`,
// including a throw from the response handler or body reader, which `fail` maps and routes.
// Earned by: bench/results/HISTORY.md "Second round" (scenario 4 peak RSS 201 -> 135 MB, allocation 36.6 -> 23.9 KB per request)
// and "Third round" (CPU per stream 483 -> 293-296 µs; scenario 1 CPU per request 1.17x -> 1.01x baseline).
// Pinned by: spec/transport/post-json.test.ts, post-sse.test.ts, connect-timeout.test.ts, spec/reliability/*.
import { Observable, type Subscriber, type Unsubscribable } from 'rxjs';
import type { Dispatcher } from 'undici';
import { APITimeoutError, LlmError, type TimeoutPhase } from '../errors/llm-error.js';
import { errorFromResponse } from '../errors/from-response.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import { type BodyReader, collectBody } from './collect-body.js';
import { lowerCaseHeader } from './header-value.js';
import type { HttpPostOptions, ResponseMeta } from './http-types.js';
import type { RateLimitInfo } from '../types.js';
import { toResponseMeta } from './to-response-meta.js';
import { toTransportError } from './to-transport-error.js';

/** Largest error body kept when the server answers an HTTP error status. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** Most bytes read after `complete()` while draining the body for socket reuse. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
/** Longest wait for the body to end after `complete()` before the socket is closed instead. */
const DRAIN_TIMEOUT_MS = 1_000;

/** The controls a response handler gets for one exchange. */
export interface ExchangeControls<T> {
  readonly subscriber: Subscriber<T>;
  /** The response head, summarised. */
  readonly meta: ResponseMeta;
  /** True once the Observable errored, completed or was unsubscribed. */
  readonly finished: boolean;
  /**
   * Fails the Observable once (later calls are ignored), mapping `error` to an `LlmError` and aborting the socket.
   * Bound: it may be passed on as a callback.
   */
  readonly fail: (error: unknown) => void;
  /**
   * Ends the exchange without aborting: from now on `finished` is true and nothing more is read for the handler. The
   * Observable completes once the body has ended and undici can give the socket to another request: soon after this
   * call if the body has ended (once the current I/O callback has returned); else the rest of the body is read and
   * dropped first (up to 64 KiB, for up to 1 s; past that the socket is closed and the Observable completes all the
   * same), so that the request stays in flight until the server is done with it and the socket goes back to the pool.
   */
  complete(): void;
  /** Keeps the socket from now on: unsubscribing drains the rest of the body instead of aborting. */
  release(): void;
  /** Replaces the running deadline with a new one. */
  setDeadline(ms: number, phase: TimeoutPhase): void;
}

/**
 * Handles a 2xx response head: returns the reader of its body, or nothing once it has failed the exchange.
 */
export type ResponseHandler<T> = (controls: ExchangeControls<T>) => BodyReader | undefined;

/**
 * Runs one POST as a cold Observable; the shared skeleton of `postJson` and `postSse`.
 *
 * Nothing is sent before subscription. The `'request'` deadline (`options.timeoutMs`) starts at subscription;
 * handlers may replace it. The body reaches the handler's `BodyReader` chunk by chunk, straight from undici's
 * dispatch handler (no stream per response). Unsubscribing, `options.signal` or any failure aborts the request and
 * destroys the socket; once the body has ended, or while it is drained after `complete()`, the socket is kept for
 * reuse. An HTTP error status reads up to 64 KiB of the body, parses it as JSON when it can and fails with the class
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
 * const text$ = runExchange<string>(options, 'text/plain', (controls) =>
 *   collectBody({ limitBytes: 1 << 20, overflow: 'fail', provider: 'local' }, (error, bytes) => {
 *     if (error !== undefined) return controls.fail(error);
 *     controls.subscriber.next(bytes.toString());
 *     controls.complete();
 *   }),
 * );
 * ```
 */
export function runExchange<T>(options: HttpPostOptions, accept: string, onResponse: ResponseHandler<T>): Observable<T> {
  return new Observable<T>((subscriber) => new Exchange(options, accept, onResponse, subscriber).start());
}

/**
 * One exchange in one object: its state, the controls its handler gets, undici's dispatch handler (the legacy
 * callback interface that undici's own `request` implements) and the teardown rxjs calls. A request runs at high
 * volume (thousands per second, hundreds in flight, a callback per streamed token), so there is no closure, promise,
 * `AbortSignal` or body stream per request: undici calls this object, which calls the handler's `BodyReader`.
 */
class Exchange<T> implements ExchangeControls<T>, Unsubscribable {
  /** Where the consumer's side stands (see `Phase`); undici's side is `settled`. */
  private phase: Phase = 'open';
  /** undici is done with the request: its body ended, or it failed. */
  private settled = false;
  private drainedBytes = 0;
  /** We asked undici to abort (or must abort at `onConnect`). */
  private aborted = false;
  private abortRequest: ((error: Error) => void) | undefined = undefined;
  private reader: BodyReader | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  private timerMs = 0;
  private timerPhase: TimeoutPhase | undefined = undefined;
  /** When the running deadline was last set (`performance.now()`). */
  private touchedAt = 0;
  private head: ResponseMeta | undefined = undefined;
  private onAbortSignal: (() => void) | undefined = undefined;

  constructor(
    private readonly options: HttpPostOptions,
    private readonly accept: string,
    private readonly onResponse: ResponseHandler<T>,
    readonly subscriber: Subscriber<T>,
  ) {}

  /** Nothing more is read for the handler or emitted: completed, failed, or left by the consumer. */
  get finished(): boolean {
    return this.phase !== 'open' && this.phase !== 'kept';
  }

  /** Reading the rest of a body nobody reads any more, to keep the socket. */
  private get draining(): boolean {
    return this.phase === 'completing' || this.phase === 'draining';
  }

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
      const { method = 'POST', rawBody } = this.options;
      const contentType = method === 'GET' ? undefined : (rawBody?.contentType ?? 'application/json');
      this.options.dispatcher.dispatch(
        {
          origin,
          path,
          method,
          headers: requestHeaders(contentType, this.accept, this.options.headers),
          body: method === 'GET' ? null : (rawBody?.data ?? JSON.stringify(this.options.body)),
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        this as Dispatcher.DispatchHandler,
      );
    } catch (error) {
      this.fail(error);
    }
    return this;
  }

  // undici's dispatch handler. It never throws: a handler's error fails the exchange.

  onConnect(abort: (error?: Error) => void): void {
    // Aborted while queued: throwing fails the request before it is written and keeps the socket (calling `abort` here
    // would destroy that socket, and a mass cancel would open a connection per cancelled request just to close it).
    if (this.aborted) throw abortError();
    this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: readonly RawHeaderValue[] | null, _resume: () => void, _statusText: string): boolean {
    if (statusCode < 200 || this.finished) return true; // 1xx: the real head follows; finished: aborted already
    const meta = toResponseMeta(statusCode, headerRecord(rawHeaders), Date.now(), this.options.readRateLimit);
    this.head = meta;
    try {
      if (statusCode > 299) {
        const { provider } = this.options;
        this.reader = collectBody({ limitBytes: ERROR_BODY_LIMIT, overflow: 'truncate', provider }, (_error, bytes, cut) => this.fail(httpError(bytes, meta, this.options, cut)));
      } else this.reader = this.onResponse(this);
    } catch (error) {
      this.fail(error);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.draining) {
      this.drainedBytes += chunk.length;
      if (this.drainedBytes > DRAIN_LIMIT_BYTES) this.stopDraining();
    } else if (!this.finished && this.reader !== undefined) {
      try {
        this.reader.data(chunk);
      } catch (error) {
        this.fail(error);
      }
    }
    return true;
  }

  onComplete(_trailers: Buffer[] | string[] | null): void {
    this.settled = true;
    if (this.draining) {
      this.endDraining();
      return;
    }
    if (this.finished || this.reader === undefined) return;
    try {
      this.reader.end();
    } catch (error) {
      this.fail(error);
    }
  }

  onError(error: Error): void {
    this.settled = true;
    if (this.draining) {
      this.endDraining(); // the answer was whole: a socket that breaks now loses nothing
      return;
    }
    // An error status whose body broke off is still that status's error.
    const head = this.head;
    this.fail(head !== undefined && head.status > 299 ? httpError(undefined, head, this.options) : error);
  }

  // The controls.

  readonly fail = (error: unknown): void => {
    if (this.finished) return;
    this.phase = 'done';
    this.clearDeadline();
    this.abort();
    const { provider, connectTimeoutMs } = this.options;
    const requestId = this.head?.requestId;
    this.subscriber.error(toTransportError(error, { provider, connectTimeoutMs, requestId }));
  };

  complete(): void {
    if (this.finished) return;
    if (this.settled) {
      this.phase = 'done';
      this.clearDeadline();
      this.completeWhenSocketIsFree();
      return;
    }
    this.phase = 'completing';
    this.startDraining();
  }

  release(): void {
    if (this.phase === 'open') this.phase = 'kept';
  }

  setDeadline(ms: number, phase: TimeoutPhase): void {
    if (this.finished) return;
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

  /** The timer fired: the deadline passed, unless it was set again since (then sleep for the rest). */
  timedOut(): void {
    const idleMs = performance.now() - this.touchedAt;
    if (idleMs < this.timerMs) {
      this.timer = setTimeout(onDeadline, Math.max(1, Math.ceil(this.timerMs - idleMs)), this);
      return;
    }
    const { provider } = this.options;
    const requestId = this.head?.requestId;
    this.fail(new APITimeoutError(this.timerPhase ?? 'request', this.timerMs, { provider, requestId }));
  }

  /** Draining took too long or read too much: close the socket instead. */
  stopDraining(): void {
    this.abort(); // undici reports it through `onError`, which ends the draining
    if (this.draining) {
      this.settled = true;
      this.endDraining();
    }
  }

  /** Starts reading the rest of the body in phase `completing` or `draining`, for at most `DRAIN_TIMEOUT_MS`. */
  private startDraining(): void {
    this.clearDeadline();
    this.timer = setTimeout(onDrainTimeout, DRAIN_TIMEOUT_MS, this);
    // Nobody waits on a drain the consumer left; a completion still owed keeps the process alive until it comes.
    if (this.phase !== 'completing') this.timer.unref();
  }

  private endDraining(): void {
    const completionOwed = this.phase === 'completing';
    this.phase = 'done';
    this.clearDeadline();
    if (completionOwed) this.completeWhenSocketIsFree();
  }

  /**
   * Completes the Observable once undici can hand the socket to the next request. undici frees a kept-alive socket
   * in a `setImmediate` it schedules after its last callback for the response (`onComplete`) has returned, so a
   * request started from inside that callback (a pipeline starts its next prompt when one completes) finds the socket
   * busy and opens another connection: at 100 streams in flight, bursts of up to 80 new ones. A microtask runs once
   * the callback has returned, and the immediate it schedules runs after undici's, on a free socket: a pipeline keeps
   * `maxActive` connections, each reused.
   */
  private completeWhenSocketIsFree(): void {
    const { subscriber } = this;
    const closing = this.head !== undefined && closesConnection(this.head.headers);
    queueMicrotask(() => setImmediate(closing ? completeAfterSocketClose : completeSubscriber, subscriber));
  }

  /**
   * The teardown: unsubscribing (or the end of the Observable) aborts the request, unless its body has ended or the
   * socket is kept (then the rest of the body is drained).
   */
  unsubscribe(): void {
    if (this.onAbortSignal !== undefined) this.options.signal?.removeEventListener('abort', this.onAbortSignal);
    if (this.draining) {
      this.timer?.unref(); // the consumer left: nobody waits on this drain any more
      return;
    }
    const kept = this.phase === 'kept';
    this.phase = 'done';
    this.clearDeadline();
    if (this.settled) return;
    if (kept) {
      this.phase = 'draining';
      this.startDraining();
    } else this.abort(); // a no-op when it failed: that aborted already
  }

  private clearDeadline(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private abort(): void {
    if (this.aborted || this.settled) return;
    this.aborted = true;
    const abortRequest = this.abortRequest;
    this.abortRequest = undefined;
    abortRequest?.(abortError()); // before `onConnect`, the request is aborted there
  }
}

/**
 * The consumer's side of an exchange, one value where undici's callbacks and rxjs's teardown meet:
 * - `open`: the handler reads the body;
 * - `kept`: the same, and the handler asked to keep the socket (`release()`): unsubscribing drains instead of aborting;
 * - `completing`: `complete()` came before the body's end: reading the rest; the Observable completes when it ends;
 * - `draining`: the consumer left a kept socket before the body's end: reading the rest, to keep the socket;
 * - `done`: nothing more is read or emitted (completed, failed, aborted, or drained).
 */
type Phase = 'open' | 'kept' | 'completing' | 'draining' | 'done';

function completeSubscriber(subscriber: Subscriber<unknown>): void {
  subscriber.complete();
}

/**
 * Completes one turn of the event loop later. After a `Connection: close` response undici destroys the socket at once,
 * but the socket's `'close'` event, where undici's `Agent` does its bookkeeping (it drops an origin's pool when its
 * last socket closes), comes in the loop's close phase, after this turn's immediates. A request dispatched before
 * that lands in the pool about to be dropped, which then closes itself and, with the same origin key, drops the
 * next pool too: from there on every request opened a new connection. An immediate scheduled from an immediate runs
 * in the next turn, after the close phase.
 */
function completeAfterSocketClose(subscriber: Subscriber<unknown>): void {
  setImmediate(completeSubscriber, subscriber);
}

/** The response head says the server closes the connection after this response. */
function closesConnection(headers: Readonly<Record<string, string>>): boolean {
  const connection = lowerCaseHeader(headers, 'connection');
  return connection !== undefined && /(?:^|,)\s*close\s*(?:,|$)/i.test(connection);
}

function onDeadline(exchange: Exchange<unknown>): void {
  exchange.timedOut();
}

function onDrainTimeout(exchange: Exchange<unknown>): void {
  exchange.stopDraining();
}

/** What undici is told when we abort (its `onError` then comes back to a finished exchange and is ignored). */
function abortError(): Error {
  const error = new Error('The request was aborted.');
  error.name = 'AbortError';
  return error;
}

/** A raw header value: undici's own parser gives one `Buffer`; a dispatcher composed with interceptors may give a list. */
type RawHeaderValue = Buffer | string | readonly (Buffer | string)[];

/**
 * The response head's headers as one record: lower-cased names, latin1 values (as undici decodes them), repeated
 * headers joined with `, `. Names are own properties only (`constructor` is a header like any other; `__proto__` is
 * dropped).
 */
function headerRecord(raw: readonly RawHeaderValue[] | null): Record<string, string> {
  const record: Record<string, string> = {};
  if (raw === null) return record;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = latin1(raw[i]!).toLowerCase();
    if (name === '__proto__') continue;
    const value = latin1(raw[i + 1]!);
    record[name] = Object.hasOwn(record, name) ? `${record[name]!}, ${value}` : value;
  }
  return record;
}

function latin1(value: RawHeaderValue): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  return value.map(latin1).join(', ');
}

const UTF8 = new TextDecoder();

/** The last request headers built, reused: a provider sends the same headers object with every request. */
let lastHeaders: { contentType: string | undefined; accept: string; given: Readonly<Record<string, string>>; headers: Record<string, string> } | undefined;

/**
 * The headers to send: `content-type` (unless `undefined`), `accept`, then the caller's (which win). Built once per
 * distinct set and reused (undici only reads them), not spread again per request (issue 25).
 */
function requestHeaders(contentType: string | undefined, accept: string, given: Readonly<Record<string, string>>): Record<string, string> {
  const last = lastHeaders;
  if (last !== undefined && last.given === given && last.accept === accept && last.contentType === contentType) return last.headers;
  const headers = { ...(contentType === undefined ? {} : { 'content-type': contentType }), accept, ...given };
  lastHeaders = { contentType, accept, given, headers };
  return headers;
}

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
 * The error for an HTTP error status: what the adapter's `readError` makes of the status and the body (up to 64 KiB,
 * JSON if it parses; `undefined` when the body broke off), else the class `errorFromResponse` picks for the status.
 * What `readError` throws is returned, to fail the exchange with.
 */
function httpError(bytes: Buffer | undefined, meta: ResponseMeta, options: HttpPostOptions, cut = false): unknown {
  const body = bytes === undefined ? undefined : parseJsonOrText(cutBodyText(bytes, cut));
  try {
    return readFailure(options, meta, body) ?? errorFromResponse({ status: meta.status, provider: options.provider, body, ...retryHints(meta) });
  } catch (error) {
    return error;
  }
}

/**
 * Hands a response that is not the answer asked for to the adapter's `readError` (an error status, or a 2xx of the
 * wrong content type); `undefined` when there is none or it does not recognise the body. May throw what it throws.
 *
 * @example
 * ```ts
 * const error = readFailure(options, controls.meta, parseJsonOrText(utf8Text(bytes)));
 * ```
 */
export function readFailure(options: HttpPostOptions, meta: ResponseMeta, body: unknown): LlmError | undefined {
  if (options.readError === undefined) return undefined;
  return options.readError({ status: meta.status, provider: options.provider, body, headers: meta.headers, ...retryHints(meta) });
}

/**
 * Where an error happened, for an `LlmError`'s options: provider, status and request id.
 *
 * @example
 * ```ts
 * new ResponseTooLargeError(limit, whereOf('openai', controls.meta));
 * ```
 */
export function whereOf(provider: string, meta: ResponseMeta): { provider: string; status: number; requestId?: string } {
  const where: { provider: string; status: number; requestId?: string } = { provider, status: meta.status };
  if (meta.requestId !== undefined) where.requestId = meta.requestId;
  return where;
}

/**
 * What a response head says for an error built from it: the request id, the server's wait (`retryAfterMs`), its
 * rate-limit headers and `x-should-retry`.
 *
 * @example
 * ```ts
 * errorFromResponse({ status: meta.status, provider, body, ...retryHints(meta) });
 * ```
 */
export function retryHints(meta: ResponseMeta): { requestId?: string; retryAfterMs?: number; rateLimit?: RateLimitInfo; shouldRetry?: boolean } {
  const hints: { requestId?: string; retryAfterMs?: number; rateLimit?: RateLimitInfo; shouldRetry?: boolean } = {};
  if (meta.requestId !== undefined) hints.requestId = meta.requestId;
  if (meta.rateLimit !== undefined) hints.rateLimit = meta.rateLimit; // the pause rule reads a 429's own budget
  if (meta.rateLimit?.retryAfterMs !== undefined) hints.retryAfterMs = meta.rateLimit.retryAfterMs;
  const shouldRetry = lowerCaseHeader(meta.headers, 'x-should-retry');
  if (shouldRetry === 'true' || shouldRetry === 'false') hints.shouldRetry = shouldRetry === 'true';
  return hints;
}

/**
 * A whole body's bytes as text (UTF-8; one shared decoder, since `decode` without `stream` keeps no state).
 *
 * @example
 * ```ts
 * utf8Text(Buffer.from('{"a":1}')); // '{"a":1}'
 * ```
 */
export function utf8Text(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}

/**
 * A body's bytes as text; when they were cut at a byte cap, secrets are redacted now, the cut end included (a cut
 * through an echoed key leaves a piece that no later redaction would recognise).
 *
 * @example
 * ```ts
 * parseJsonOrText(cutBodyText(bytes, cut));
 * ```
 */
export function cutBodyText(bytes: Uint8Array, cut: boolean): string {
  const text = utf8Text(bytes);
  return cut ? redactSecrets(text, { cut }) : text;
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
