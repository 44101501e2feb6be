import type { RateLimitInfo } from '../types.js';

/**
 * A provider's reader of the rate-limit headers it sends: given a response's headers (names lower-cased, repeated
 * values joined with `, `, read once by the transport) and the receive time, it returns what it found, or `undefined`
 * when the response carries none of its names. It reads only its own provider's names; the transport adds
 * `retryAfterMs` from the standard retry-after headers.
 */
export type RateLimitHeaderReader = (headers: Readonly<Record<string, string>>, nowMs: number) => RateLimitInfo | undefined;

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
const COUNT = /^\d+(\.\d+)?$/;
const DURATION = /^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T/;

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
  if (COUNT.test(text)) return Number(text) * 1000;
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(DURATION_PART)) total += Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
  return total;
}

/**
 * A header's non-negative count (`'499'`, `'1.5'`), or `undefined` when absent, blank or not such a number.
 *
 * @example
 * ```ts
 * parseCount('499'); // 499
 * parseCount('-1'); // undefined
 * ```
 */
export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || !COUNT.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * A header's reset time as whole milliseconds from `nowMs`: a duration (see `parseDuration`) or an RFC 3339
 * timestamp (never negative); `undefined` when absent or neither.
 *
 * @example
 * ```ts
 * parseReset('6m0s', Date.now()); // 360000
 * parseReset('2025-01-01T00:00:01Z', Date.parse('2025-01-01T00:00:00Z')); // 1000
 * ```
 */
export function parseReset(text: string | undefined, nowMs: number): number | undefined {
  if (text === undefined) return undefined;
  const duration = parseDuration(text);
  if (duration !== undefined) return Math.ceil(duration);
  if (!TIMESTAMP.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil(date - nowMs));
}
