import type { HeaderRecord } from './header-value.js';
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
  let rateLimited = false;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    flat[lower] = typeof value === 'string' ? value : value.join(', ');
    if (!rateLimited && isRateLimitHeader(lower)) rateLimited = true;
  }
  const requestId = flatValue(flat, 'x-request-id') ?? flatValue(flat, 'request-id');
  // Most responses carry no rate-limit header at all: skip the parser's dozen lookups then.
  const rateLimit = rateLimited ? parseRateLimitHeaders(flat, nowMs) : undefined;
  const meta: ResponseMeta = { status, headers: flat };
  if (requestId !== undefined) meta.requestId = requestId;
  if (rateLimit !== undefined) meta.rateLimit = rateLimit;
  return meta;
}

/** A header `parseRateLimitHeaders` reads (lower-cased name). */
function isRateLimitHeader(lower: string): boolean {
  return lower.startsWith('x-ratelimit-') || lower.startsWith('anthropic-ratelimit-') || lower.startsWith('retry-after');
}

/** `headerValue` for a record whose names are all lower-case already: a direct lookup, trimmed, blank as absent. */
function flatValue(flat: Record<string, string>, lower: string): string | undefined {
  const value = flat[lower];
  if (value === undefined) return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}
