import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CheckpointError } from './checkpoint-error.js';

/** The lock of a results file, held by this process. */
export interface ResultsLock {
  readonly lockPath: string;
  /** Removes the lock file. Safe to call twice. */
  release(): void;
}

/**
 * Appends result lines to a JSONL file, crash-safely: the file is opened with `O_APPEND`, and each line (JSON plus
 * `\n`) goes out in one synchronous `write`, so once `write` returns the line is in the kernel and survives the
 * process being killed; a kill mid-write can only leave a torn *last* line, which `scanResultsFile` cuts off on
 * resume. A lock file (`<path>.lock`, holding the pid) keeps a second run from appending to the same file; a lock
 * left by a dead process is taken over.
 *
 * @example
 * ```ts
 * const writer = ResultsWriter.open('results.jsonl');
 * writer.writeLine(JSON.stringify({ id: 'q1', ok: true }));
 * writer.close();
 * ```
 */
export class ResultsWriter {
  readonly path: string;
  #fd: number | undefined;
  readonly #lock: ResultsLock;
  #lines = 0;

  private constructor(path: string, fd: number, lock: ResultsLock) {
    this.path = path;
    this.#fd = fd;
    this.#lock = lock;
  }

  /**
   * Takes the lock of `path` (creating its directory), before anything reads or changes the file: a run refused
   * here has touched nothing. Hand it to `open`, or `release` it.
   * @throws CheckpointError when another live process holds the lock.
   */
  static lock(path: string): ResultsLock {
    const lockPath = `${path}.lock`;
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new CheckpointError(`cannot create the directory of ${path}: ${(error as Error).message}`);
    }
    takeLock(lockPath, path);
    let held = true;
    return {
      lockPath,
      release: () => {
        if (held) rmSync(lockPath, { force: true });
        held = false;
      },
    };
  }

  /**
   * Opens `path` for appending (creating it), under `lock` (taken now when not given); the writer releases it on close.
   * @throws CheckpointError when another live process holds the lock or the file cannot be opened.
   */
  static open(path: string, lock: ResultsLock = ResultsWriter.lock(path)): ResultsWriter {
    try {
      return new ResultsWriter(path, openSync(path, 'a'), lock);
    } catch (error) {
      lock.release();
      throw new CheckpointError(`cannot open the results file ${path}: ${(error as Error).message}`);
    }
  }

  /** Lines written since `open`. */
  get lines(): number {
    return this.#lines;
  }

  /** Appends one line; `line` must not contain a newline. */
  writeLine(line: string): void {
    if (this.#fd === undefined) throw new Error('ResultsWriter is closed');
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.#fd, bytes, written, bytes.length - written);
    this.#lines += 1;
  }

  /** Flushes to disk, closes the file and removes the lock. Safe to call twice. */
  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      this.#lock.release();
    }
  }
}

function takeLock(lockPath: string, path: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CheckpointError(`cannot create the lock file ${lockPath}: ${(error as Error).message}`);
      }
    }
    const holder = Number.parseInt(readLockPid(lockPath), 10);
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new CheckpointError(
        `another process (pid ${holder}) is writing to ${path}; wait for it, or delete ${lockPath} if that process is not rxllm`,
      );
    }
    rmSync(lockPath, { force: true });
  }
  throw new CheckpointError(`cannot take the lock file ${lockPath}`);
}

function readLockPid(lockPath: string): string {
  try {
    return readFileSync(lockPath, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
