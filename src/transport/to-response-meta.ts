import { type HeaderRecord, headerValue } from './header-value.js';
import type { ResponseMeta } from './http-types.js';
import { parseRateLimitHeaders } from './rate-limit-headers.js';

/**
 * Summarises a response head: status, lower-cased headers (repeated ones joined with `, `), the request id
 * (`x-request-id`, else `request-id`) and the parsed rate-limit headers.
 *
 * @param status - HTTP status.
 * @param headers - Response headers as undici gives them.
 * @param nowMs - Receive time, for rate-limit resets given as timestamps.
 * @returns The `ResponseMeta`.
 *
 * @example
 * ```ts
 * toResponseMeta(200, { 'x-request-id': 'req_1' }, Date.now()).requestId; // 'req_1'
 * ```
 */
export function toResponseMeta(status: number, headers: HeaderRecord, nowMs: number): ResponseMeta {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
  }
  const requestId = headerValue(flat, 'x-request-id') ?? headerValue(flat, 'request-id');
  const rateLimit = parseRateLimitHeaders(flat, nowMs);
  return {
    status,
    headers: flat,
    ...(requestId === undefined ? {} : { requestId }),
    ...(rateLimit === undefined ? {} : { rateLimit }),
  };
}
