import type { APICallError } from '../errors/api-call-error.js';
import { errorFromResponse } from '../errors/from-response.js';
import type { HttpFailure, ResponseMeta } from '../transport/http-types.js';
import { gatewayRequestId } from './gateway-request-id.js';
import type { RateLimitInfo } from '../types.js';
import { tierRefusalOf } from './service-tiers.js';

/** What an error envelope says, read without knowing whose it is. */
export interface ErrorDetail {
  message?: string;
  /** `error.type`, e.g. `invalid_request_error`, `tokens`. */
  type?: string;
  /** `error.code` when it is a word, else a word `error.status` (Google's `RESOURCE_EXHAUSTED`). */
  code?: string;
  /** `error.param`: the request field the error is about (OpenAI's envelope), e.g. `service_tier`. */
  param?: string;
  /** A status the body names itself: a numeric `code` or `status` (OpenRouter, Gemini, LiteLLM send one). */
  status?: number;
  /** The body's own `request_id`, when it has one. */
  requestId?: string;
  retryAfterMs?: number;
  rateLimit?: RateLimitInfo;
  shouldRetry?: boolean;
}

/** What one provider's error words mean; each adapter has its own (`openai-errors.ts`, `anthropic-errors.ts`). */
export interface ErrorVocabulary {
  /** The status an error `code` or `type` stands for, for errors that came without a telling HTTP status. */
  statusOf(detail: ErrorDetail): number | undefined;
  /** True when the error means that no credit or quota is left, so that nothing else in the batch can succeed. */
  creditsExhausted(detail: ErrorDetail, status: number): boolean;
}

/**
 * Reads an error envelope: `{ error: { message, type, code, … } }`, `{ type: 'error', error: { … } }`,
 * `{ error: 'text' }`, an array of those (Gemini's `[{ error: … }]`), or any of them framed as server-sent events
 * (`data: {"error": …}`, as gateways send them). Returns `undefined` for anything else.
 *
 * @param body - Parsed JSON, or text.
 * @returns What the envelope says, or `undefined`.
 *
 * @example
 * ```ts
 * readErrorBody([{ error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } }]);
 * // { message: 'Resource has been exhausted', code: 'RESOURCE_EXHAUSTED', status: 429 }
 * ```
 */
export function readErrorBody(body: unknown): ErrorDetail | undefined {
  if (typeof body === 'string') return readSseFramed(body);
  if (Array.isArray(body)) return body.length === 0 ? undefined : readErrorBody(body[0]);
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return error.trim() === '' ? {} : { message: error.trim() };
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return record.type === 'error' ? {} : undefined;
  const inner = error as Record<string, unknown>;
  const detail: ErrorDetail = {};
  const message = text(inner.message) ?? text(record.message);
  const type = text(inner.type);
  const code = word(inner.code) ?? word(inner.status);
  const status = statusIn(inner.code) ?? statusIn(inner.status) ?? statusIn(inner.status_code) ?? statusIn(record.status);
  const requestId = text(record.request_id);
  const param = text(inner.param);
  if (message !== undefined) detail.message = message;
  if (param !== undefined) detail.param = param;
  if (type !== undefined) detail.type = type;
  if (code !== undefined) detail.code = code;
  if (status !== undefined) detail.status = status;
  if (requestId !== undefined) detail.requestId = requestId;
  return detail;
}

/**
 * True when `body` is an error envelope `readErrorBody` reads (not a plain string).
 *
 * @example
 * ```ts
 * isErrorBody({ error: { message: 'overloaded' } }); // true
 * ```
 */
export function isErrorBody(body: unknown): boolean {
  return typeof body !== 'string' && readErrorBody(body) !== undefined;
}

/**
 * The error for a failed response, through one provider's vocabulary: the HTTP status when it is an error status,
 * else the status the body names (a numeric `code`/`status`, then what the vocabulary says its `code`/`type` stands
 * for, then 500). Fatal `InsufficientCreditsError` only when the vocabulary says the credit is exhausted; never from
 * the words of a message. Given the service tier the request was sent at, a capacity refusal or a 400 about the tier
 * field becomes a `CapacityError` or an `UnsupportedTierError` (see `tierRefusalOf`). The request id comes from the response head, a gateway's renamed header or the body.
 * Returns `undefined` for a 2xx whose body is no error envelope (not an error this reader recognises).
 *
 * @param failure - The response, as the transport hands it to `readError` (or an adapter builds it for a 2xx body).
 * @param vocabulary - The provider's error words.
 * @returns The error, or `undefined`.
 *
 * @example
 * ```ts
 * const readError = (failure: HttpFailure) => errorFromFailure(failure, openAIErrors);
 * ```
 */
export function errorFromFailure(failure: HttpFailure, vocabulary: ErrorVocabulary, tier?: string): APICallError | undefined {
  const detail = readErrorBody(failure.body);
  const httpError = failure.status >= 400;
  if (detail === undefined && !httpError) return undefined;
  const read = detail ?? {};
  const status = httpError ? failure.status : (read.status ?? vocabulary.statusOf(read) ?? 500);
  const requestId = failure.requestId ?? gatewayRequestId(failure.headers) ?? read.requestId;
  const tierRefusal = tierRefusalOf(status, read.param, tier, failure.rateLimit);
  return errorFromResponse({
    status,
    provider: failure.provider,
    body: failure.body,
    ...(read.message === undefined ? {} : { message: read.message }),
    ...(read.code === undefined ? {} : { code: read.code }),
    ...(read.type === undefined ? {} : { type: read.type }),
    ...(vocabulary.creditsExhausted(read, status) ? { creditsExhausted: true } : {}),
    ...(requestId === undefined ? {} : { requestId }),
    ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
    ...(failure.rateLimit === undefined ? {} : { rateLimit: failure.rateLimit }),
    ...(failure.shouldRetry === undefined ? {} : { shouldRetry: failure.shouldRetry }),
    ...(tier === undefined ? {} : { tier }),
    ...(tierRefusal === undefined ? {} : { tierRefusal }),
  });
}

/**
 * The `HttpFailure` for a body that arrived on a 2xx response (an error envelope instead of an answer, an `error`
 * event inside a stream), for `errorFromFailure`.
 *
 * @example
 * ```ts
 * const error = errorFromFailure(failureOn(response, 'openai', response.body), openAIErrors);
 * ```
 */
export function failureOn(meta: ResponseMeta, provider: string, body: unknown): HttpFailure {
  const failure: HttpFailure = { status: meta.status, provider, body, headers: meta.headers };
  if (meta.requestId !== undefined) failure.requestId = meta.requestId;
  return failure;
}

/** The first `data:` line of an SSE-framed text that holds an error envelope. */
function readSseFramed(body: string): ErrorDetail | undefined {
  for (const line of body.split(/\r\n|\r|\n/)) {
    const match = /^data:\s?(.*)$/.exec(line);
    if (match === null) continue;
    let json: unknown;
    try {
      json = JSON.parse(match[1]!) as unknown;
    } catch {
      continue;
    }
    const detail = typeof json === 'string' ? undefined : readErrorBody(json);
    if (detail !== undefined) return detail;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A code that is a word, not a number. */
function word(value: unknown): string | undefined {
  const found = text(value);
  return found === undefined || /^\d+$/.test(found) ? undefined : found;
}

function statusIn(value: unknown): number | undefined {
  const status = typeof value === 'string' && /^\d{3}$/.test(value.trim()) ? Number(value) : value;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : undefined;
}
