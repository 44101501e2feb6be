import type { RateLimitInfo } from '../types.js';
import type { HeaderRecord } from './header-value.js';
import { parseRetryAfter } from './retry-after.js';

type Bucket = 'Requests' | 'Tokens' | 'InputTokens' | 'OutputTokens';

const OPENAI_BUCKETS: ReadonlyArray<[Bucket, string]> = [
  ['Requests', 'requests'],
  ['Tokens', 'tokens'],
];

const ANTHROPIC_BUCKETS: ReadonlyArray<[Bucket, string]> = [
  ['Requests', 'requests'],
  ['Tokens', 'tokens'],
  ['InputTokens', 'input-tokens'],
  ['OutputTokens', 'output-tokens'],
];

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/**
 * Reads the rate-limit state a response announces, for client-side limiters.
 *
 * Understands OpenAI-style `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets as durations such as
 * `1s`, `6m0s`, `20ms`, `1h2m3.5s`, or plain seconds), Anthropic-style
 * `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}` (resets as RFC 3339
 * timestamps, turned into milliseconds from `nowMs`, never negative), and `retry-after-ms` / `retry-after`
 * (see `parseRetryAfter`). Values that do not parse are left out; Anthropic values win where both are present.
 *
 * @param headers - Response headers (names matched case-insensitively).
 * @param nowMs - The current time (epoch milliseconds), used for timestamps and HTTP dates.
 * @returns The fields found, or `undefined` when the response carries no rate-limit header at all.
 *
 * @example
 * ```ts
 * import { parseRateLimitHeaders } from 'rxllm';
 * console.log(parseRateLimitHeaders({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' }, Date.now()));
 * // { remainingTokens: 0, resetTokensMs: 360000 }
 * ```
 */
export function parseRateLimitHeaders(headers: HeaderRecord, nowMs: number): RateLimitInfo | undefined {
  const lowered = lowerCaseNames(headers);
  const get = (name: string) => lowerValue(lowered, name);
  const info: Record<string, number> = {};
  const set = (key: string, value: number | undefined) => {
    if (value !== undefined) info[key] = value;
  };
  for (const [bucket, name] of OPENAI_BUCKETS) {
    set(`limit${bucket}`, parseCount(get(`x-ratelimit-limit-${name}`)));
    set(`remaining${bucket}`, parseCount(get(`x-ratelimit-remaining-${name}`)));
    set(`reset${bucket}Ms`, parseReset(get(`x-ratelimit-reset-${name}`), nowMs));
  }
  for (const [bucket, name] of ANTHROPIC_BUCKETS) {
    set(`limit${bucket}`, parseCount(get(`anthropic-ratelimit-${name}-limit`)));
    set(`remaining${bucket}`, parseCount(get(`anthropic-ratelimit-${name}-remaining`)));
    set(`reset${bucket}Ms`, parseReset(get(`anthropic-ratelimit-${name}-reset`), nowMs));
  }
  set('retryAfterMs', parseRetryAfter(lowered, nowMs));
  return Object.keys(info).length === 0 ? undefined : (info as RateLimitInfo);
}

/**
 * Parses a Go-style duration (`1s`, `6m0s`, `20ms`, `1h2m3.5s`) into milliseconds; a bare number means seconds.
 * Returns `undefined` for anything else.
 *
 * @example
 * ```ts
 * parseDuration('1h2m3.5s'); // 3723500
 * ```
 */
export function parseDuration(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
  }
  return total;
}

function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function parseReset(text: string | undefined, nowMs: number): number | undefined {
  if (text === undefined) return undefined;
  const duration = parseDuration(text);
  if (duration !== undefined) return Math.ceil(duration);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil(date - nowMs));
}

/** `headers` with lower-case names (repeated values joined), or `headers` itself when they are lower-case already. */
function lowerCaseNames(headers: HeaderRecord): HeaderRecord {
  let lowered: Record<string, string | readonly string[] | undefined> | undefined;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lowered === undefined && lower === name) continue;
    if (lowered === undefined) {
      // The first mixed-case name: copy what came before, then go on lower-casing.
      lowered = {};
      for (const earlier of Object.keys(headers)) {
        if (earlier === name) break;
        lowered[earlier] = headers[earlier];
      }
    }
    // An exact lower-case name wins, else the first name that matches (as `headerValue` reads them).
    if (lower === name || !Object.hasOwn(lowered, lower)) lowered[lower] = headers[name];
  }
  return lowered ?? headers;
}

/** `headerValue` on a record with lower-case names: a direct lookup. */
function lowerValue(headers: HeaderRecord, lower: string): string | undefined {
  const value = headers[lower];
  if (value === undefined) return undefined;
  const text = (typeof value === 'string' ? value : value.join(', ')).trim();
  return text === '' ? undefined : text;
}
