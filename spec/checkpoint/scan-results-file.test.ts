import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultsWriter } from '../../src/checkpoint/results-writer.js';
import { scanResultsFile } from '../../src/checkpoint/scan-results-file.js';
import { CheckpointError } from '../../src/checkpoint/checkpoint-error.js';
import { tempDir } from '../cli/support/cli-harness.js';

const ok = (id: string | number, index = 0) => JSON.stringify({ id, index, ok: true, text: 'x', usage: { inputTokens: 1, outputTokens: 1 } });
const failed = (id: string | number, index = 0) =>
  JSON.stringify({ id, index, ok: false, error: { type: 'ServerError', status: 500, code: null, message: 'boom' }, usage: null });

let dir: string;
let remove: () => Promise<void>;
let path: string;
beforeEach(async () => {
  ({ dir, remove } = await tempDir());
  path = join(dir, 'results.jsonl');
});
afterEach(() => remove());

describe('scanResultsFile', () => {
  it('treats a missing file as an empty scan', async () => {
    const scan = await scanResultsFile(path);
    expect(scan).toMatchObject({ ok: 0, failed: 0, tornBytes: 0, created: true });
    expect(scan.done.size).toBe(0);
  });

  it('collects ok and failed ids, string and numeric, including escaped ones', async () => {
    await writeFile(path, `${ok('line-1')}\n${failed('a"b\\c')}\n${ok(7)}\n\n${ok('7', 3)}\n`);
    const scan = await scanResultsFile(path);
    expect(scan).toMatchObject({ ok: 3, failed: 1, tornBytes: 0 });
    expect(scan.done.has('line-1')).toBe(true);
    expect(scan.done.has('a"b\\c')).toBe(true);
    expect(scan.done.has(7)).toBe(true);
    expect(scan.done.has('7')).toBe(true);
    expect(scan.done.has('line-2')).toBe(false);
  });

  it('also reads records written in another key order', async () => {
    await writeFile(path, `${JSON.stringify({ ok: true, id: 'late' })}\n`);
    expect((await scanResultsFile(path)).done.has('late')).toBe(true);
  });

  it('cuts off a torn last line and reports its size', async () => {
    const whole = `${ok('a')}\n${ok('b')}\n`;
    const torn = ok('c').slice(0, 20);
    await writeFile(path, whole + torn);
    const scan = await scanResultsFile(path);
    expect(scan.tornBytes).toBe(Buffer.byteLength(torn));
    expect(scan.done.has('c')).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(whole);
  });

  it('keeps a whole last record that only misses its newline, and adds the newline', async () => {
    await writeFile(path, `${ok('a')}\n${ok('b')}`);
    const scan = await scanResultsFile(path);
    expect(scan.tornBytes).toBe(0);
    expect(scan.done.has('b')).toBe(true);
    expect(await readFile(path, 'utf8')).toBe(`${ok('a')}\n${ok('b')}\n`);
  });

  it('refuses a file with a corrupt line in the middle, naming the line', async () => {
    await writeFile(path, `${ok('a')}\nnot json\n${ok('b')}\n`);
    await expect(scanResultsFile(path)).rejects.toThrow(CheckpointError);
    await expect(scanResultsFile(path)).rejects.toThrow(/results\.jsonl line 2 is not a result record/);
  });

  it('refuses a directory', async () => {
    await mkdir(path);
    await expect(scanResultsFile(path)).rejects.toThrow(/is not a regular file/);
  });

  it('with retryFailed, leaves failed ids out and rewrites the file without their lines', async () => {
    await writeFile(path, `${ok('a')}\n${failed('b')}\n${ok('c')}\n${failed('d')}`);
    const scan = await scanResultsFile(path, { retryFailed: true });
    expect(scan).toMatchObject({ ok: 2, failed: 2 });
    expect(scan.done.has('a') && scan.done.has('c')).toBe(true);
    expect(scan.done.has('b') || scan.done.has('d')).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(`${ok('a')}\n${ok('c')}\n`);
    expect(existsSync(`${path}.rxllm-rewrite`)).toBe(false);
  });

  it('finishes a --retry-failed rewrite a crash interrupted (its synced journal), in place, and drops a half-written one', async () => {
    await writeFile(path, `${ok('a')}\n${failed('b')}\n${ok('c')}\n`);
    await writeFile(`${path}.rxllm-rewrite`, `${ok('a')}\n${ok('c')}\n`);
    await writeFile(`${path}.rxllm-rewrite.partial`, `${ok('a')}\n`);
    const inode = statSync(path).ino;
    const scan = await scanResultsFile(path);
    expect(scan).toMatchObject({ ok: 2, failed: 0 });
    expect(await readFile(path, 'utf8')).toBe(`${ok('a')}\n${ok('c')}\n`);
    expect(statSync(path).ino).toBe(inode);
    expect(existsSync(`${path}.rxllm-rewrite`) || existsSync(`${path}.rxllm-rewrite.partial`)).toBe(false);
  });
});

describe('ResultsWriter', () => {
  it('appends newline-terminated lines, and a resume scan sees exactly them', async () => {
    await writeFile(path, `${ok('old')}\n`);
    const writer = ResultsWriter.open(path);
    writer.writeLine(ok('new-1'));
    writer.writeLine(failed('new-2'));
    writer.close();
    expect(readFileSync(path, 'utf8')).toBe(`${ok('old')}\n${ok('new-1')}\n${failed('new-2')}\n`);
    const scan = await scanResultsFile(path);
    expect(scan).toMatchObject({ ok: 2, failed: 1 });
  });

  it('holds a lock file while open, refuses a second writer, and takes over a dead process lock', () => {
    const writer = ResultsWriter.open(path);
    expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
    writer.close();
    expect(existsSync(`${path}.lock`)).toBe(false);

    // A live process other than us (our parent) holds it: refused.
    const live = process.ppid;
    writeFileSync(`${path}.lock`, `${live}\n`);
    expect(() => ResultsWriter.open(path)).toThrow(new RegExp(`another process \\(pid ${live}\\)`));

    // A dead pid: taken over.
    writeFileSync(`${path}.lock`, '2147483646\n');
    const second = ResultsWriter.open(path);
    second.close();
  });
});
