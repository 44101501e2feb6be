import { lowerCaseHeader } from './header-value.js';
import type { ResponseMeta } from './http-types.js';
import type { RateLimitHeaderReader } from './rate-limit-headers.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * Summarises a response head: status, headers, the request id (`x-request-id`, else `request-id`) and the rate-limit
 * state (what the provider's `readRateLimit` finds, plus `retryAfterMs` from `retry-after-ms` / `retry-after`).
 *
 * `headers` are kept as they are, not copied: the transport lower-cases the names once, as it reads the head.
 *
 * @param status - HTTP status.
 * @param headers - Response headers, names lower-cased, repeated headers joined with `, `.
 * @param nowMs - Receive time, for rate-limit resets given as timestamps.
 * @param readRateLimit - The provider's rate-limit header reader, if it has one.
 * @returns The `ResponseMeta`.
 *
 * @example
 * ```ts
 * toResponseMeta(200, { 'x-request-id': 'req_1' }, Date.now()).requestId; // 'req_1'
 * ```
 */
export function toResponseMeta(status: number, headers: Record<string, string>, nowMs: number, readRateLimit?: RateLimitHeaderReader): ResponseMeta {
  const meta: ResponseMeta = { status, headers };
  const requestId = lowerCaseHeader(headers, 'x-request-id') ?? lowerCaseHeader(headers, 'request-id');
  if (requestId !== undefined) meta.requestId = requestId;
  let rateLimit = readRateLimit?.(headers, nowMs);
  // Most responses carry no retry-after: two direct lookups decide that.
  if (headers['retry-after-ms'] !== undefined || headers['retry-after'] !== undefined) {
    const retryAfterMs = parseRetryAfter(headers, nowMs);
    if (retryAfterMs !== undefined) rateLimit = rateLimit === undefined ? { retryAfterMs } : { ...rateLimit, retryAfterMs };
  }
  if (rateLimit !== undefined) meta.rateLimit = rateLimit;
  return meta;
}
