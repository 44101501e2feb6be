import { describe, expect, it } from 'vitest';
import { ResponseTooLargeError } from '../../src/errors/llm-error.js';
import { collectBody } from '../../src/transport/collect-body.js';

/** Feeds `pieces` to a fresh collector, then ends it; returns every call of `done`. */
function collect(pieces: string[], limitBytes: number, overflow: 'fail' | 'truncate') {
  const calls: { error: ResponseTooLargeError | undefined; text: string }[] = [];
  const reader = collectBody({ limitBytes, overflow, provider: 'test' }, (error, bytes) => calls.push({ error, text: bytes.toString() }));
  for (const piece of pieces) reader.data(Buffer.from(piece));
  reader.end();
  return calls;
}

describe('collectBody', () => {
  it('gives the whole body once, at its end, from one chunk or many', () => {
    expect(collect(['{"a":1}'], 100, 'fail')).toEqual([{ error: undefined, text: '{"a":1}' }]);
    expect(collect(['{"a"', ':', '1}'], 100, 'fail')).toEqual([{ error: undefined, text: '{"a":1}' }]);
    expect(collect([], 100, 'fail')).toEqual([{ error: undefined, text: '' }]);
  });

  it('accepts a body of exactly the limit', () => {
    expect(collect(['12345', '67890'], 10, 'fail')).toEqual([{ error: undefined, text: '1234567890' }]);
  });

  it('fails once with ResponseTooLargeError as soon as the body passes the limit, ignoring the rest', () => {
    const calls = collect(['12345', '678901', 'more'], 10, 'fail');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.error).toBeInstanceOf(ResponseTooLargeError);
    expect(calls[0]!.error!.message).toContain('10');
  });

  it('keeps the first limitBytes with overflow "truncate", once', () => {
    expect(collect(['12345', '678901', 'more'], 10, 'truncate')).toEqual([{ error: undefined, text: '1234567890' }]);
  });
});
