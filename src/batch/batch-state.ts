import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/llm-error.js';
import type { JobFingerprint } from './job-fingerprint.js';

/** One provider batch of a job, as saved: its id, resubmission round, the job indices it holds (in line order). */
export interface SavedBatch {
  id: string;
  round: number;
  indices: number[];
  /** The batch has ended and its results were read at least once. */
  ended: boolean;
}

/** A batch job's state file: what identifies the job, and every provider batch created for it. */
export interface BatchJobState {
  version: 1;
  provider: string;
  fingerprint: JobFingerprint;
  batches: SavedBatch[];
}

const stateSchema = z.object({
  version: z.literal(1),
  provider: z.string(),
  fingerprint: z.object({ model: z.string(), prompts: z.string(), params: z.string(), paramsSet: z.string(), count: z.number().int().nonnegative() }),
  batches: z.array(z.object({ id: z.string(), round: z.number().int().nonnegative(), indices: z.array(z.number().int().nonnegative()), ended: z.boolean() })),
});

/**
 * Reads a job's state file; `undefined` when there is none. A file that is not a state file throws
 * `InvalidOptionsError` naming the path (it is never overwritten).
 *
 * @example
 * ```ts
 * const state = await readBatchState('job.batch-state.json');
 * ```
 */
export async function readBatchState(path: string): Promise<BatchJobState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidOptionsError(`statePath: ${path} is not a batch state file (not JSON); move it away or pass another statePath.`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) throw new InvalidOptionsError(`statePath: ${path} is not a batch state file; move it away or pass another statePath.`);
  return parsed.data as BatchJobState;
}

/**
 * Writes a job's state atomically: to a temporary file beside `path`, then renamed over it, so that a crash leaves
 * the old state or the new one, never half of one.
 *
 * @example
 * ```ts
 * await writeBatchState('job.batch-state.json', state);
 * ```
 */
export async function writeBatchState(path: string, state: BatchJobState): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(state)}\n`, { flush: true });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
