import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBatchState, writeBatchState, type BatchJobState } from '../../src/batch/batch-state.js';
import { changedParts, jobFingerprint } from '../../src/batch/job-fingerprint.js';
import { splitIntoBatches } from '../../src/batch/split-into-batches.js';
import { InvalidOptionsError } from '../../src/index.js';

describe('splitIntoBatches', () => {
  it('cuts at the request limit and at the byte limit, keeping order', () => {
    expect(splitIntoBatches([1, 1, 1, 1, 1], { maxRequests: 2, maxBytes: 100 })).toEqual([[0, 1], [2, 3], [4]]);
    expect(splitIntoBatches([40, 40, 40, 10], { maxRequests: 10, maxBytes: 90 })).toEqual([[0, 1], [2, 3]]);
    expect(splitIntoBatches([90], { maxRequests: 1, maxBytes: 90 })).toEqual([[0]]);
    expect(splitIntoBatches([], { maxRequests: 1, maxBytes: 1 })).toEqual([]);
  });

  it('refuses a line larger than a whole batch, naming the item', () => {
    expect(() => splitIntoBatches([10, 91], { maxRequests: 10, maxBytes: 90 }, (position) => `prompts[${position}]`)).toThrow(InvalidOptionsError);
    expect(() => splitIntoBatches([10, 91], { maxRequests: 10, maxBytes: 90 }, (position) => `prompts[${position}]`)).toThrow(/^prompts\[1\]: .*91 bytes/);
  });
});

describe('jobFingerprint and changedParts', () => {
  const request = (content: string, params: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], params });
  const base = jobFingerprint('openai/gpt-4o-mini', [request('a'), request('b')]);

  it('is the same for the same job and names each changed part', () => {
    expect(changedParts(base, jobFingerprint('openai/gpt-4o-mini', [request('a'), request('b')]))).toBeUndefined();
    expect(changedParts(base, jobFingerprint('openai/gpt-4o', [request('a'), request('b')]))).toBe('the model');
    expect(changedParts(base, jobFingerprint('openai/gpt-4o-mini', [request('a'), request('c')]))).toBe('the prompt list');
    expect(changedParts(base, jobFingerprint('openai/gpt-4o-mini', [request('a'), request('b', { temperature: 0 })]))).toBe('the params');
    expect(changedParts(base, jobFingerprint('openai/gpt-4o-mini', [request('a')]))).toBe('the prompt list (2 prompts saved, 1 now)');
  });

  it('notices params moved from one prompt to another', () => {
    const one = jobFingerprint('m', [request('a', { seed: 1 }), request('b')]);
    const swapped = jobFingerprint('m', [request('a'), request('b', { seed: 1 })]);
    expect(changedParts(one, swapped)).toBe('the params');
  });
});

describe('batch state file', () => {
  it('round-trips, writes atomically (no temporary file left) and refuses a file that is not a state file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxllm-state-'));
    try {
      const path = join(dir, 'job.batch-state.json');
      expect(await readBatchState(path)).toBeUndefined();
      const state: BatchJobState = {
        version: 1,
        provider: 'openai',
        fingerprint: jobFingerprint('openai/m', [{ messages: [], params: {} }]),
        batches: [{ id: 'batch_1', round: 0, indices: [0], ended: false }],
      };
      await writeBatchState(path, state);
      await writeBatchState(path, { ...state, batches: [{ ...state.batches[0]!, ended: true }] });
      expect((await readBatchState(path))?.batches[0]?.ended).toBe(true);
      expect(await readdir(dir)).toEqual(['job.batch-state.json']);
      await import('node:fs/promises').then((fs) => fs.writeFile(path, 'not json'));
      await expect(readBatchState(path)).rejects.toThrow(/statePath: .* is not a batch state file/);
      expect(await readFile(path, 'utf8')).toBe('not json');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
