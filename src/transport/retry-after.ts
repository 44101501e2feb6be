import { type HeaderRecord, headerValue } from './header-value.js';

/** IMF-fixdate, RFC 850 and asctime shapes: a month name, a day, a year and a time of day. */
const HTTP_DATE = /^(?:[a-z]{3,9},?\s+)?(?:\d{1,2}[\s-][a-z]{3}[\s-]\d{2,4}\s+\d{2}:\d{2}:\d{2}\s+GMT|[a-z]{3}\s+[a-z]{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\d{4})$/i;

/**
 * Reads how long the server asked us to wait before trying again, in milliseconds.
 *
 * `retry-after-ms` (milliseconds, as OpenAI sends it) wins over `retry-after`, which is either a number of seconds
 * (fractions allowed) or an HTTP date (the wait is then the time from `nowMs` to that date; a date already past
 * gives `0`). Invalid, negative or non-finite values are ignored. Header names are matched case-insensitively.
 *
 * @param headers - Response headers.
 * @param nowMs - The current time (epoch milliseconds), used for HTTP dates.
 * @returns The wait in whole milliseconds (rounded up), or `undefined` when the server asked nothing usable.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from 'rxllm';
 * console.log(parseRetryAfter({ 'retry-after': '1.5' }, Date.now())); // 1500
 * console.log(parseRetryAfter({ 'retry-after-ms': '20' }, Date.now())); // 20
 * console.log(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }, Date.parse('2015-10-21T07:27:58Z'))); // 2000
 * ```
 */
export function parseRetryAfter(headers: HeaderRecord, nowMs: number): number | undefined {
  const milliseconds = parseNonNegativeNumber(headerValue(headers, 'retry-after-ms'));
  if (milliseconds !== undefined) return Math.ceil(milliseconds);

  const retryAfter = headerValue(headers, 'retry-after');
  if (retryAfter === undefined) return undefined;
  const seconds = parseNonNegativeNumber(retryAfter);
  if (seconds !== undefined) return Math.ceil(seconds * 1000);
  if (!HTTP_DATE.test(retryAfter)) return undefined; // V8's Date.parse accepts far too much ("1,5", "12abc")
  const date = Date.parse(/GMT$/i.test(retryAfter) ? retryAfter : `${retryAfter} GMT`); // asctime is GMT too
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil(date - nowMs));
}

function parseNonNegativeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\+?(\d+(\.\d*)?|\.\d+)$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
