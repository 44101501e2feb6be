import { chmodSync, linkSync, lstatSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, startMockServer } from '../../src/mock-server/start-mock-server.js';
import { resultRecords, useCliHarness, waitFor } from '../cli/support/cli-harness.js';

// Issue 17, items 1 and 5: the results file belongs to the run holding its lock; rewrites keep the file's identity;
// the exit code says what the file holds.
const h = useCliHarness();
// Shared by every test of the file (the harness's own mock servers live one test each).
let server: MockServer;
/** Slow enough that run 1 is still writing when run 2 (a fresh Node process on a loaded machine) starts. */
let slow: MockServer;
beforeAll(async () => {
  server = await startMockServer({ latencyMs: [20, 40], seed: 5 });
  slow = await startMockServer({ latencyMs: [120, 160], seed: 6 });
});
afterAll(async () => {
  await server.close();
  await slow.close();
});

const TOTAL = 40;

function args(input: string, output: string, extra: readonly string[] = [], baseURL = server.openaiBaseURL, maxActive = 2): string[] {
  return ['run', input, '-o', output, '--model', 'openai/m', '--base-url', baseURL, '--rpm', '1000000', '--max-active', String(maxActive), '--max-retries', '0', '--progress', 'none', ...extra];
}

/** A prompts file of `TOTAL` ids, and a results file already holding two failed lines and a torn last line. */
async function setUp(): Promise<{ input: string; output: string; before: string }> {
  const input = h.path('prompts.jsonl');
  const output = h.path('results.jsonl');
  await writeFile(input, Array.from({ length: TOTAL }, (_, i) => `${JSON.stringify({ id: i, prompt: `prompt ${i}` })}\n`).join(''));
  const failed = (id: number) => JSON.stringify({ id, index: id, ok: false, error: { type: 'ServerError', status: 500, code: null, message: 'x' }, usage: null, model: 'm', attempts: 1, latencyMs: 1 });
  const before = `${failed(0)}\n${failed(1)}\n{"id":2,"index":2,"ok":tr`;
  await writeFile(output, before);
  return { input, output, before };
}

describe('the results file lock: a refused run changes nothing', () => {
  for (const first of [[], ['--retry-failed']] as const) {
    for (const second of [[], ['--retry-failed']] as const) {
      it(`run 1 ${first.join(' ') || '(plain)'}, run 2 ${second.join(' ') || '(plain)'} on the same output while run 1 writes: run 2 is refused, run 1's results all stay`, async () => {
        const { input, output } = await setUp();
        const inode = statSync(output).ino;
        const run1 = h.start(args(input, output, first, slow.openaiBaseURL, 1));
        // Run 1 holds the lock (and has done any rewrite) once it has written results of its own.
        await waitFor(() => resultRecords(output).filter((record) => record.ok).length >= 2 || run1.child.exitCode !== null, 'run 1 writing');
        const linesBefore = readFileSync(output, 'utf8');
        const run2 = await h.run(args(input, output, second));
        expect(run2.code, run2.stderr).toBe(2);
        expect(run2.stderr).toMatch(/another process \(pid \d+\) is writing/);
        // Run 2 neither rewrote nor cut the file: what run 1 had written is still there, in the same inode.
        expect(readFileSync(output, 'utf8').startsWith(linesBefore)).toBe(true);
        expect(statSync(output).ino).toBe(inode);
        expect(run1.child.exitCode, 'run 1 must still be writing when run 2 is refused').toBe(null);
        const { code } = await run1.exited;
        const records = resultRecords(output);
        const ids = records.map((record) => record.id);
        expect(new Set(ids).size).toBe(ids.length); // each id once
        expect(ids.length).toBe(TOTAL);
        expect(records.filter((record) => record.ok).length).toBe(first.length === 0 ? TOTAL - 2 : TOTAL);
        expect(code).toBe(first.length === 0 ? 1 : 0);
      }, 60_000);
    }
  }
});

describe('rewrites keep the results file\'s identity', () => {
  it('--retry-failed on a symlinked, hard-linked, mode-0640 results file rewrites the real file in place', async () => {
    const { input, output } = await setUp();
    const real = h.path('real-results.jsonl');
    const hardlink = h.path('hardlink.jsonl');
    await writeFile(real, readFileSync(output));
    chmodSync(real, 0o640);
    linkSync(real, hardlink);
    const link = h.path('link.jsonl');
    symlinkSync(real, link);
    const inode = statSync(real).ino;

    const { code, stderr } = await h.run(args(input, link, ['--retry-failed']));
    expect(code, stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(real);
    expect(statSync(real).ino).toBe(inode);
    expect(statSync(real).mode & 0o777).toBe(0o640);
    expect(readFileSync(hardlink, 'utf8')).toBe(readFileSync(real, 'utf8'));
    const records = resultRecords(real);
    expect(records.length).toBe(TOTAL);
    expect(records.every((record) => record.ok)).toBe(true);
  }, 60_000);
});

describe('the exit code reflects the results file', () => {
  it('a resume that sends nothing new still exits 1 while the file holds failures, and 0 once --retry-failed fixed them', async () => {
    const input = h.path('prompts.jsonl');
    const output = h.path('results.jsonl');
    await writeFile(input, '"a"\n"b"\n');
    const failing = await h.startMock({ faults: { '500': 1 } });
    const first = await h.run(args(input, output, [], failing.openaiBaseURL));
    expect(first.code, first.stderr).toBe(1);
    const again = await h.run(args(input, output, [], failing.openaiBaseURL));
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toMatch(/--retry-failed/);
    const fixed = await h.run(args(input, output, ['--retry-failed']));
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(resultRecords(output).map((record) => record.ok)).toEqual([true, true]);
  }, 60_000);
});
