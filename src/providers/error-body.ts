import type { APICallError } from '../errors/llm-error.js';
import { errorFromResponse } from '../errors/from-response.js';
import type { RateLimitInfo } from '../types.js';

/** An error body that arrived without a telling HTTP status (inside a stream, or on a 2xx). */
export interface ErrorBodyInput {
  /** The parsed body, e.g. `{ error: { message, type, code } }` or Anthropic's `{ type: 'error', error: { … } }`. */
  body: unknown;
  provider: string;
  /** Used when the body names no status and no known error type. */
  fallbackStatus: number;
  requestId?: string;
  retryAfterMs?: number;
  rateLimit?: RateLimitInfo;
  shouldRetry?: boolean;
}

const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  invalid_api_key: 401,
  billing_error: 402,
  insufficient_quota: 429,
  permission_error: 403,
  permission_denied: 403,
  not_found_error: 404,
  model_not_found: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  tokens: 429,
  requests: 429,
  api_error: 500,
  server_error: 500,
  internal_server_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * True when `body` looks like an error envelope: `{ error: { … } }`, `{ error: "…" }` or `{ type: "error" }`.
 *
 * @example
 * ```ts
 * isErrorBody({ error: { message: 'overloaded' } }); // true
 * ```
 */
export function isErrorBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  return (typeof record.error === 'object' && record.error !== null) || typeof record.error === 'string' || record.type === 'error';
}

/**
 * Chooses the error class for an error body that came without a meaningful HTTP status: a numeric `status` or
 * `code` in the body wins (OpenRouter sends `code: 429`), then the error `type`/`code` name
 * (`rate_limit_error` → 429, `overloaded_error` → 529, `server_error` → 500, …), then `fallbackStatus`.
 * The class itself comes from `errorFromResponse`.
 *
 * @param input - The body and what is known about the response.
 * @returns The matching `APICallError` subclass.
 *
 * @example
 * ```ts
 * errorFromErrorBody({ body: { error: { type: 'overloaded_error' } }, provider: 'anthropic', fallbackStatus: 500 });
 * // ServerError with status 529, retryable
 * ```
 */
export function errorFromErrorBody(input: ErrorBodyInput): APICallError {
  const status = statusFromErrorBody(input.body) ?? input.fallbackStatus;
  return errorFromResponse({
    status,
    provider: input.provider,
    body: input.body,
    ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
    ...(input.retryAfterMs === undefined ? {} : { retryAfterMs: input.retryAfterMs }),
    ...(input.rateLimit === undefined ? {} : { rateLimit: input.rateLimit }),
    ...(input.shouldRetry === undefined ? {} : { shouldRetry: input.shouldRetry }),
  });
}

function statusFromErrorBody(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const inner = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : record;
  for (const value of [inner.status, inner.status_code, inner.code, record.status]) {
    const status = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
    if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599) return status;
  }
  for (const value of [inner.code, inner.type]) {
    if (typeof value === 'string' && STATUS_BY_TYPE[value] !== undefined) return STATUS_BY_TYPE[value];
  }
  return undefined;
}
