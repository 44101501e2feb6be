import type { Dispatcher } from 'undici';
import type { APICallError } from '../errors/api-call-error.js';
import type { RateLimitInfo } from '../types.js';
import type { RateLimitHeaderReader } from './rate-limit-headers.js';

/** One POST, as the transport sends it. The body is serialised to JSON by the transport. */
export interface HttpPostOptions {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** `GET` sends no body (and ignores `body`). @defaultValue `'POST'` */
  method?: 'GET' | 'POST';
  /** A body sent as these bytes with this content type instead of `body` as JSON (a multipart upload). */
  rawBody?: { contentType: string; data: Uint8Array | string };
  /** The provider's shared keep-alive `Agent` (connect timeout lives there). */
  dispatcher: Dispatcher;
  /** Provider id, named in error messages. */
  provider: string;
  /** Whole request, from sending to the last body byte (JSON); until the first byte of the body (SSE). */
  timeoutMs: number;
  /** SSE only: the longest wait between two body chunks. */
  idleTimeoutMs?: number;
  /** Bodies larger than this end in `ResponseTooLargeError`. */
  maxResponseBytes: number;
  /** Extra cancellation besides unsubscribing. */
  signal?: AbortSignal;
  /** The dispatcher's connect timeout, named in `APITimeoutError('connect')` messages. */
  connectTimeoutMs?: number;
  /**
   * SSE only: true for the protocol's last event (`data: [DONE]`, `event: message_stop`). The transport emits it,
   * ignores what follows, and completes when the body ends, so the socket goes back to the pool (waiting at most 1 s
   * for that end, else closing the socket).
   */
  isLastEvent?: (event: { event?: string; data: string }) => boolean;
  /**
   * The adapter's reader of failures: called for an HTTP error status and for a 2xx whose content is not what was
   * asked for (JSON, or an event stream). Returns the error to fail with, or `undefined` to leave it to the transport
   * (a status-only `errorFromResponse` for an error status; `ResponseValidationError` for a 2xx). A throw fails the
   * request with what it threw.
   */
  readError?: (failure: HttpFailure) => APICallError | undefined;
  /**
   * The provider's rate-limit header reader, called once per response head with its headers (names lower-cased): it
   * reads only the names its provider sends. Without one, `rateLimit` holds at most `retryAfterMs`.
   */
  readRateLimit?: RateLimitHeaderReader;
}

/** A response that is not the answer asked for, as the transport hands it to `HttpPostOptions.readError`. */
export interface HttpFailure {
  /** The HTTP status: an error status, or a 2xx whose content type was not the one asked for. */
  status: number;
  provider: string;
  /** The body (up to 64 KiB): parsed JSON when it parses, else the text; `undefined` when it broke off. */
  body: unknown;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  requestId?: string;
  retryAfterMs?: number;
  /** The response's rate-limit headers, as the adapter's `readRateLimit` read them (the pause rule reads a 429's own budget). */
  rateLimit?: RateLimitInfo;
  /** The `x-should-retry` header, when it said `true` or `false`. */
  shouldRetry?: boolean;
}

/** What the transport read from the response head. */
export interface ResponseMeta {
  status: number;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  requestId?: string;
  rateLimit?: RateLimitInfo;
}

/** A successful JSON response. */
export interface JsonResponse extends ResponseMeta {
  body: unknown;
}

/** One server-sent event, with the response head it came on. */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
  response: ResponseMeta;
}
