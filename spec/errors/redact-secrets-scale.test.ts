import { describe, expect, it } from 'vitest';
import { APICallError } from '../../src/errors/api-call-error.js';
import { redactSecrets, rememberSecret } from '../../src/errors/redact-secrets.js';

// Issue 17, item 6: a model per tenant means tens of thousands of remembered keys; an error must not cost more for it.
const keyOf = (i: number) => `sk-tenant-${i.toString(36).padStart(6, '0')}-${'q'.repeat(32)}`;

/** Median milliseconds of building one error whose message and body need redacting. */
function msPerError(): number {
  const body = { error: { message: 'Rate limit reached for requests. '.repeat(8) } };
  const times: number[] = [];
  for (let round = 0; round < 7; round += 1) {
    const started = performance.now();
    for (let i = 0; i < 40; i += 1) new APICallError(`openai answered 429: ${'slow down '.repeat(20)}`, { status: 429, body });
    times.push((performance.now() - started) / 40);
  }
  return times.sort((a, b) => a - b)[3]!;
}

describe('redactSecrets with many remembered keys', () => {
  it('an error costs about the same with 50,000 remembered keys as with 100, and every key is still redacted', () => {
    for (let i = 0; i < 100; i += 1) rememberSecret(keyOf(i));
    msPerError(); // warm up
    const withFew = msPerError();
    for (let i = 100; i < 50_000; i += 1) rememberSecret(keyOf(i));
    const withMany = msPerError();
    // Measured: about 0.1 ms either way after; before, 5.8 ms (quiet machine) to 45 ms (loaded) with 50,000 keys (a
    // sort and a search per key). The bound is a ceiling far above the new cost and below the old one on any machine.
    expect(withMany).toBeLessThan(Math.max(withFew * 20, 3));
    expect(redactSecrets(`a ${keyOf(0)} b ${keyOf(49_999)} c ${keyOf(25_000).slice(0, 20)}`)).toBe(`a [redacted] b [redacted] c ${keyOf(25_000).slice(0, 20)}`);
  });

  it('a text cut inside a key loses the key\'s start, however short, only when it was cut', () => {
    rememberSecret('sk-cut-0123456789abcdef');
    for (let length = 1; length < 22; length += 1) {
      const piece = 'sk-cut-0123456789abcdef'.slice(0, length);
      expect(redactSecrets(`body ${piece}`, { cut: true }), `${length}`).toBe('body [redacted]');
    }
    expect(redactSecrets('body sk-cut-0123', { cut: false })).toBe('body sk-cut-0123');
  });
});
