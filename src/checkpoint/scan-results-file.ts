import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, open, rename, stat, truncate, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import type { PromptId } from '../types.js';
import { IdSet } from './id-set.js';
import { readLines } from './read-lines.js';
import { CheckpointError } from './checkpoint-error.js';

/** Options of `scanResultsFile`. */
export interface ScanResultsOptions {
  /**
   * Leave failed ids out of `done` so they are sent again, and rewrite the file without their lines so that each id
   * keeps one line. @defaultValue `false`
   */
  retryFailed?: boolean;
}

/** What a results file already holds. */
export interface ResultsScan {
  /** Ids that must not be sent again: every recorded id, or only the ok ones with `retryFailed`. */
  done: IdSet;
  /** Result lines recorded as ok. */
  ok: number;
  /** Result lines recorded as failed (dropped from the file with `retryFailed`). */
  failed: number;
  /** Bytes of a torn last line (a crash mid-write) cut off the end of the file; 0 when none. */
  tornBytes: number;
  /** True when the file did not exist. */
  created: boolean;
}

/** `{"id":<string|number>,"index":<n>,"ok":<bool>` as `formatResultLine` writes it: read without a full parse. */
const FAST_PREFIX = /^\{"id":("(?:[^"\\]|\\.)*"|-?\d+),"index":\d+,"ok":(true|false)[,}]/;

/**
 * Reads a results file before a run resumes, line by line (memory bounded by the set of ids, not the file), and
 * collects the ids already recorded. A last line without its newline that is not a whole result record is torn (the
 * process died mid-write): it is cut off the file, so that request is sent again. A whole record missing only its
 * newline gets the newline. Any other line that is not a result record is an error, since appending to a file we do
 * not understand could lose work.
 *
 * Call it with the file's lock held (`ResultsWriter.lock`): it may cut, append to or rewrite the file. Every change
 * is made in place (the file keeps its inode, links and mode); `--retry-failed`'s rewrite goes through a journal.
 *
 * @param path - The results file; a missing file is an empty scan.
 * @param options - `retryFailed` to send failed prompts again.
 * @returns The recorded ids and counts.
 * @throws CheckpointError naming the line when the file holds something that is not a result record.
 *
 * @example
 * ```ts
 * const { done, ok, failed, tornBytes } = await scanResultsFile('results.jsonl');
 * if (done.has('line-3')) console.log('line 3 is done');
 * ```
 */
export async function scanResultsFile(path: string, { retryFailed = false }: ScanResultsOptions = {}): Promise<ResultsScan> {
  const scan: ResultsScan = { done: new IdSet(), ok: 0, failed: 0, tornBytes: 0, created: false };
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CheckpointError(`${path} is not a regular file`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...scan, created: true };
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`cannot read the results file ${path}: ${(error as Error).message}`);
  }

  await finishRewrite(path);
  let tornAt: number | undefined;
  let missingNewline = false;
  try {
    for await (const line of readLines(createReadStream(path))) {
      if (line.text.trim() === '' && !line.tooLong) continue;
      const record = line.tooLong ? undefined : readRecord(line.text, line.terminated);
      if (record === undefined) {
        if (!line.terminated) {
          tornAt = line.offset;
          break;
        }
        throw new CheckpointError(
          `${path} line ${line.number} is not a result record (expected {"id":…,"ok":…}); fix or remove that line, or choose another results file`,
        );
      }
      if (!line.terminated) missingNewline = true;
      if (record.ok) {
        scan.ok += 1;
        scan.done.add(record.id);
      } else {
        scan.failed += 1;
        if (!retryFailed) scan.done.add(record.id); // a failed line is sent again under --retry-failed
      }
    }
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`cannot read the results file ${path}: ${(error as Error).message}`);
  }

  if (tornAt !== undefined) {
    const size = (await stat(path)).size;
    await truncate(path, tornAt);
    scan.tornBytes = size - tornAt;
  } else if (missingNewline) {
    await appendFile(path, '\n');
  }
  if (retryFailed && scan.failed > 0) await dropFailedLines(path);
  return scan;
}

interface RecordHead {
  id: PromptId;
  ok: boolean;
}

function readRecord(text: string, trustPrefix: boolean): RecordHead | undefined {
  const fast = trustPrefix ? FAST_PREFIX.exec(text) : null;
  if (fast !== null) {
    const id = JSON.parse(fast[1]!) as PromptId;
    return { id, ok: fast[2] === 'true' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { id, ok } = value as { id?: unknown; ok?: unknown };
  if ((typeof id !== 'string' && typeof id !== 'number') || typeof ok !== 'boolean') return undefined;
  return { id, ok };
}

/**
 * Rewrites the results file keeping only its ok lines, in place, so that the file keeps its identity: a symlink
 * still points at the same real file, hard links and the mode stay, a `tail -f` keeps reading. Crash-safe through a
 * journal: the kept lines go to `<path>.rxllm-rewrite.partial`, synced, renamed to `<path>.rxllm-rewrite`; only then
 * is the file itself truncated and written from the journal, synced, and the journal removed. A crash before the
 * rename leaves the file untouched; one after it is finished by `finishRewrite` when the next run takes the lock.
 */
async function dropFailedLines(path: string): Promise<void> {
  const journal = `${path}${JOURNAL}`;
  const partial = `${journal}.partial`;
  const out = createWriteStream(partial, { flags: 'w' });
  try {
    for await (const line of readLines(createReadStream(path))) {
      const record = line.text.trim() === '' ? undefined : readRecord(line.text, true);
      if (record === undefined || !record.ok) continue;
      if (!out.write(`${line.text}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await syncFile(partial);
    await rename(partial, journal);
  } catch (error) {
    out.destroy();
    await unlink(partial).catch(() => undefined);
    throw new CheckpointError(`cannot rewrite ${path} without its failed lines: ${(error as Error).message}`);
  }
  await finishRewrite(path);
}

/** Suffix of the journal of an in-place rewrite. */
const JOURNAL = '.rxllm-rewrite';

/**
 * Finishes an in-place rewrite a crash interrupted: copies the journal over the file's content (same inode) and
 * removes it. Does nothing when there is no journal. Called with the lock held.
 */
async function finishRewrite(path: string): Promise<void> {
  const journal = `${path}${JOURNAL}`;
  await unlink(`${journal}.partial`).catch(() => undefined);
  let source;
  try {
    source = await open(journal, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CheckpointError(`cannot read ${journal}: ${(error as Error).message}`);
  }
  try {
    const target = await open(path, 'r+');
    try {
      await target.truncate(0);
      const buffer = Buffer.alloc(1 << 16);
      let position = 0;
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        let written = 0;
        while (written < bytesRead) written += (await target.write(buffer, written, bytesRead - written, position + written)).bytesWritten;
        position += bytesRead;
      }
      await target.sync();
    } finally {
      await target.close();
    }
  } catch (error) {
    throw new CheckpointError(`cannot rewrite ${path} from ${journal} (kept; the next run finishes it): ${(error as Error).message}`);
  } finally {
    await source.close();
  }
  await unlink(journal);
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
