import { describe, expect, it } from 'vitest';
import { parseCount, parseDuration, parseReset } from '../../src/transport/rate-limit-headers.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

describe('parseDuration', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['2m59.56s', 179_560],
    ['7.66s', 7660],
    ['0s', 0],
    ['1.5', 1500],
    ['500us', 0.5],
    ['1µs', 0.001],
    ['2ns', 0.000002],
    ['1ms5s', 5001],
    ['1m30s', 90_000],
    ['3m0.5s', 180_500],
    ['10', 10_000],
  ])('parses %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', 's', '1x', 'abc', '-1s', '1s garbage', '1 s', '1.', '1.s', '.5s', '1.5.5s', '1m1', 'ms', '1hh', '1s ', ' 1s', '1u', '1µ', '1e3s', '1S'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('parseCount', () => {
  it('reads non-negative numbers and rejects the rest', () => {
    expect(parseCount('499')).toBe(499);
    expect(parseCount('1.5')).toBe(1.5);
    for (const text of [undefined, '', '-1', '1e3', '0x10', ' 1', 'lots']) expect(parseCount(text)).toBeUndefined();
  });
});

describe('parseReset', () => {
  it('reads durations and RFC 3339 timestamps as whole ms from now, never negative', () => {
    expect(parseReset('500us', NOW)).toBe(1);
    expect(parseReset('6m0s', NOW)).toBe(360_000);
    expect(parseReset('2025-01-01T00:00:00.500Z', NOW)).toBe(500);
    expect(parseReset('2024-12-31T23:59:59Z', NOW)).toBe(0);
    for (const text of [undefined, 'soon', '2025-13-45Tnope']) expect(parseReset(text, NOW)).toBeUndefined();
  });
});
