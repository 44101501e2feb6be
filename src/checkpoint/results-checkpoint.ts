import type { PromptId } from '../types.js';
import { type ResultLine, formatResultLine } from './format-result-line.js';
import { ResultsWriter } from './results-writer.js';
import { type ResultsScan, scanResultsFile } from './scan-results-file.js';

/** Options of `openResultsCheckpoint`. */
export interface ResultsCheckpointOptions {
  /**
   * Failed results are not kept: their lines are removed (crash-safely) and their ids are not `recorded`, so they are
   * sent again. Without it every recorded id, ok or failed, counts as done. @defaultValue `false`
   */
  retryFailed?: boolean;
}

/** An open results file (JSONL, one `ResultLine` per prompt): what it holds, and appending to it under its lock. */
export interface ResultsCheckpoint {
  readonly path: string;
  /** What the file held when opened (a torn last line already cut off). */
  readonly scan: ResultsScan;
  /** True when `id` has a line that counts as done (see `retryFailed`). */
  recorded(id: PromptId): boolean;
  /** Appends one line, durably once it returns (one `write` on an `O_APPEND` file: survives `kill -9`). */
  append(line: ResultLine): void;
  /** Lines appended since opening. */
  readonly appended: number;
  /** Syncs and closes the file and releases its lock. Safe to call twice. */
  close(): void;
}

/**
 * Opens a results file as a checkpoint: takes its lock (`<path>.lock`; a lock left by a dead process is taken over),
 * reads what it holds (cutting off a torn last line left by a crash mid-write), and opens it for appending. The
 * file format is the `rxllm run` CLI's, so either can resume what the other wrote.
 *
 * @param path - The results file; created with its directory when missing.
 * @param options - `retryFailed` to send failed prompts again.
 * @returns The open checkpoint; close it when the run ends.
 * @throws CheckpointError when another live process holds the lock, or the file cannot be read, holds a line that is
 *   not a result, or cannot be opened. Nothing is left open then.
 *
 * @example
 * ```ts
 * import { openResultsCheckpoint } from 'rxllm';
 * const checkpoint = await openResultsCheckpoint('results.jsonl', { retryFailed: true });
 * console.log(`${checkpoint.scan.ok} ok already; q1 done: ${checkpoint.recorded('q1')}`);
 * checkpoint.close();
 * ```
 */
export async function openResultsCheckpoint(path: string, { retryFailed = false }: ResultsCheckpointOptions = {}): Promise<ResultsCheckpoint> {
  // The lock comes first: a run refused by it must not have read, cut or rewritten another run's results.
  const lock = ResultsWriter.lock(path);
  let writer: ResultsWriter;
  let scan: ResultsScan;
  try {
    scan = await scanResultsFile(path, { retryFailed });
    writer = ResultsWriter.open(path, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    path,
    scan,
    recorded: (id) => scan.done.has(id),
    append: (line) => writer.writeLine(formatResultLine(line)),
    get appended() {
      return writer.lines;
    },
    close: () => writer.close(),
  };
}
