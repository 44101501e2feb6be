import { parseCount, parseReset } from '../../transport/rate-limit-headers.js';
import type { RateLimitInfo } from '../../types.js';

type Bucket = 'Requests' | 'Tokens' | 'InputTokens' | 'OutputTokens';

/** Anthropic's buckets and their header words. */
const BUCKETS: ReadonlyArray<readonly [Bucket, string]> = [
  ['Requests', 'requests'],
  ['Tokens', 'tokens'],
  ['InputTokens', 'input-tokens'],
  ['OutputTokens', 'output-tokens'],
];

/** Per bucket, the three header names, spelled once. */
const NAMES = BUCKETS.map(([bucket, word]) => ({
  limitKey: `limit${bucket}` as const,
  remainingKey: `remaining${bucket}` as const,
  resetKey: `reset${bucket}Ms` as const,
  limit: `anthropic-ratelimit-${word}-limit`,
  remaining: `anthropic-ratelimit-${word}-remaining`,
  reset: `anthropic-ratelimit-${word}-reset`,
}));

/**
 * Reads Anthropic's rate-limit headers, which it sends on every response:
 * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`, resets as RFC 3339
 * timestamps (turned into milliseconds from `nowMs`, never negative). Names from
 * https://docs.anthropic.com/en/api/rate-limits ("Response headers"). Values that do not parse are left out.
 *
 * @param headers - A response's headers, names lower-cased (as the transport passes them).
 * @param nowMs - Receive time (epoch ms).
 * @returns What it found, or `undefined` when the response carries none of these headers.
 *
 * @example
 * ```ts
 * readAnthropicRateLimit({ 'anthropic-ratelimit-requests-remaining': '49' }, Date.now()); // { remainingRequests: 49 }
 * ```
 */
export function readAnthropicRateLimit(headers: Readonly<Record<string, string>>, nowMs: number): RateLimitInfo | undefined {
  let info: RateLimitInfo | undefined;
  for (const names of NAMES) {
    const limit = parseCount(headers[names.limit]?.trim());
    const remaining = parseCount(headers[names.remaining]?.trim());
    const reset = parseReset(headers[names.reset]?.trim(), nowMs);
    if (limit === undefined && remaining === undefined && reset === undefined) continue;
    info ??= {};
    if (limit !== undefined) info[names.limitKey] = limit;
    if (remaining !== undefined) info[names.remainingKey] = remaining;
    if (reset !== undefined) info[names.resetKey] = reset;
  }
  return info;
}
