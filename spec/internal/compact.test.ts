import { describe, expect, expectTypeOf, it } from 'vitest';
import { compact } from '../../src/internal/compact.js';

describe('compact', () => {
  it('leaves out the fields that hold undefined and keeps every other value, falsy ones included', () => {
    const out = compact({ a: 1, b: undefined, c: null, d: 0, e: '', f: false });
    expect(out).toStrictEqual({ a: 1, c: null, d: 0, e: '', f: false });
    expect('b' in out).toBe(false);
  });

  it('lets a spread over defaults keep the defaults where a field is undefined', () => {
    const defaults = { maxRetries: 2, jitter: true };
    const given: { maxRetries?: number; jitter?: boolean } = { maxRetries: undefined, jitter: false };
    expect({ ...defaults, ...compact(given) }).toStrictEqual({ maxRetries: 2, jitter: false });
  });

  it('copies: the input is not changed and the output is a new object', () => {
    const input = { a: 1, b: undefined };
    const out = compact(input);
    expect(out).not.toBe(input);
    expect(Object.keys(input)).toStrictEqual(['a', 'b']);
  });

  it('keeps optional fields optional and makes fields that may be undefined optional', () => {
    expectTypeOf(compact({} as { a?: string; b: number })).toEqualTypeOf<{ b: number; a?: string }>();
    expectTypeOf(compact({} as { a: string | undefined; b: number | null })).toEqualTypeOf<{ b: number | null; a?: string }>();
  });
});
