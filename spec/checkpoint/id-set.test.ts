import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CompactStringSet } from '../../src/checkpoint/compact-string-set.js';
import { IdSet } from '../../src/checkpoint/id-set.js';

describe('CompactStringSet', () => {
  it('answers exactly like a Set<string> across chunk and table growth, for any UTF-8 and any length', () => {
    const compact = new CompactStringSet();
    const reference = new Set<string>();
    const samples = (i: number) => [
      `doc-${i}`,
      `é-${i}-☃-😀`,
      `${i}`.repeat(1 + (i % 40)), // lengths past 127 bytes: a two-byte length prefix
      i % 997 === 0 ? 'x'.repeat(70_000 + i) : `short${i % 5_000}`, // beyond 65,536 characters: the fallback Set
      '',
    ];
    let mismatches = 0;
    for (let i = 0; i < 30_000; i++) {
      for (const value of samples(i)) {
        if (compact.has(value) !== reference.has(value)) mismatches += 1;
        if (compact.add(value) === reference.has(value)) mismatches += 1;
        reference.add(value);
      }
    }
    expect(mismatches).toBe(0);
    expect(compact.size).toBe(reference.size);
    expect([...reference].filter((value) => !compact.has(value))).toEqual([]);
    expect(compact.has('doc-30000')).toBe(false);
    expect(compact.has('doc-29999')).toBe(true);
    expect(compact.has('doc-2999')).toBe(true);
    expect(compact.has('doc-299999')).toBe(false);
  });
});

describe('IdSet footprint', () => {
  it('holds 200,000 custom ids of 11 characters in at most 40 bytes each (a Set<string> took 85)', { timeout: 60_000 }, async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'spec/checkpoint/support/id-set-footprint-child.ts', '200000'],
      { cwd: new URL('../..', import.meta.url) },
    );
    const { size, bytesPerId } = JSON.parse(stdout) as { size: number; bytesPerId: number };
    expect(size).toBe(200_000);
    expect(bytesPerId).toBeLessThanOrEqual(40);
  });

  it('still tells the number 5 from the string "5", and custom ids from line ids', () => {
    const ids = new IdSet();
    expect(ids.add(5)).toBe(true);
    expect(ids.has('5')).toBe(false);
    expect(ids.add('5')).toBe(true);
    expect(ids.add('doc-1')).toBe(true);
    expect(ids.add('doc-1')).toBe(false);
    expect(ids.has('line-1')).toBe(false);
    expect(ids.size).toBe(3);
  });
});
