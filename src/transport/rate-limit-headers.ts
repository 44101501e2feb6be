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
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T/;

/**
 * Parses a Go-style duration (`1s`, `6m0s`, `20ms`, `1h2m3.5s`) into milliseconds; a bare number means seconds.
 * Returns `undefined` for anything else.
 *
 * Read in one pass, part by part (a number, `digits[.digits]`, then its unit), with no regular expression per part:
 * OpenAI sends two of these on every response (issue 25).
 *
 * @example
 * ```ts
 * parseDuration('1h2m3.5s'); // 3723500
 * ```
 */
export function parseDuration(text: string): number | undefined {
  if (COUNT.test(text)) return Number(text) * 1000;
  if (text === '') return undefined;
  let total = 0;
  for (let at = 0; at < text.length; ) {
    const numberEnd = endOfNumber(text, at);
    if (numberEnd === at) return undefined;
    const unit = unitAt(text, numberEnd);
    if (unit === undefined) return undefined;
    total += Number(text.slice(at, numberEnd)) * DURATION_UNITS_MS[unit]!;
    at = numberEnd + unit.length;
  }
  return total;
}

/** Where the number starting at `at` ends (`digits`, or `digits.digits`); `at` itself when there is none. */
function endOfNumber(text: string, at: number): number {
  const digitsEnd = endOfDigits(text, at);
  if (digitsEnd === at || text[digitsEnd] !== '.') return digitsEnd;
  const fractionEnd = endOfDigits(text, digitsEnd + 1);
  return fractionEnd === digitsEnd + 1 ? at : fractionEnd; // `1.` is no number
}

function endOfDigits(text: string, at: number): number {
  let end = at;
  while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end += 1;
  return end;
}

/** The duration unit at `at` (`ms` before `m`, as Go writes them), or `undefined`. */
function unitAt(text: string, at: number): string | undefined {
  const first = text[at];
  const second = text[at + 1];
  if (first === 'h' || first === 's') return first;
  if (first === 'm') return second === 's' ? 'ms' : 'm';
  if (second === 's') return first === 'u' ? 'us' : first === 'µ' ? 'µs' : first === 'n' ? 'ns' : undefined;
  return undefined;
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
