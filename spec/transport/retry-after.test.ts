import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/index.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it('reads retry-after-ms as milliseconds, rounding fractions up', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '20' }, NOW)).toBe(20);
    expect(parseRetryAfter({ 'retry-after-ms': '12.2' }, NOW)).toBe(13);
    expect(parseRetryAfter({ 'retry-after-ms': '0' }, NOW)).toBe(0);
  });

  it('prefers retry-after-ms over retry-after', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '7' }, NOW)).toBe(250);
  });

  it('reads retry-after as seconds, fractions included', () => {
    expect(parseRetryAfter({ 'retry-after': '2' }, NOW)).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': '1.5' }, NOW)).toBe(1500);
    expect(parseRetryAfter({ 'retry-after': '0.05' }, NOW)).toBe(50);
    expect(parseRetryAfter({ 'retry-after': ' 3 ' }, NOW)).toBe(3000);
  });

  it('reads retry-after as an HTTP date relative to now, a past date meaning no wait', () => {
    expect(parseRetryAfter({ 'retry-after': new Date(NOW + 4000).toUTCString() }, NOW)).toBe(4000);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }, Date.parse('2015-10-21T07:27:58Z'))).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': new Date(NOW - 4000).toUTCString() }, NOW)).toBe(0);
  });

  it('falls back to retry-after when retry-after-ms is invalid', () => {
    expect(parseRetryAfter({ 'retry-after-ms': 'soon', 'retry-after': '1' }, NOW)).toBe(1000);
  });

  it('ignores invalid, negative and non-finite values', () => {
    for (const value of ['-1', '-0.5', 'abc', '', '1e400', 'NaN', 'Infinity', '1,5', '12abc']) {
      expect(parseRetryAfter({ 'retry-after': value }, NOW), value).toBeUndefined();
      expect(parseRetryAfter({ 'retry-after-ms': value }, NOW), value).toBeUndefined();
    }
  });

  it('returns undefined without the headers and matches names case-insensitively', () => {
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'Retry-After': '1' }, NOW)).toBe(1000);
    expect(parseRetryAfter({ 'RETRY-AFTER-MS': '9' }, NOW)).toBe(9);
  });

  it('reads the first of repeated values', () => {
    expect(parseRetryAfter({ 'retry-after': ['2'] }, NOW)).toBe(2000);
  });
});

describe('parseRetryAfter date shapes', () => {
  it('accepts the three HTTP date forms', () => {
    const at = Date.parse('1994-11-06T08:49:37Z');
    expect(parseRetryAfter({ 'retry-after': 'Sun, 06 Nov 1994 08:49:39 GMT' }, at)).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': 'Sunday, 06-Nov-94 08:49:39 GMT' }, at)).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': 'Sun Nov  6 08:49:39 1994' }, at)).toBe(2000);
  });

  it.each(['2025-01-01', 'tomorrow', '1,5', '12abc', 'Sun, 99 Foo 1994 08:49:39 GMT'])('ignores %j', (value) => {
    expect(parseRetryAfter({ 'retry-after': value }, NOW)).toBeUndefined();
  });
});
