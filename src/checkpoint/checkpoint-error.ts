/**
 * A results file (a checkpoint) that cannot be used: another live process holds its lock, it cannot be read, created
 * or written, or a line in it is not a result record. Nothing was sent when it is thrown at the start of a run.
 *
 * @example
 * ```ts
 * import { CheckpointError, openai, parallelChat } from 'rxllm';
 * try {
 *   await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.'], { checkpoint: 'results.jsonl' });
 * } catch (error) {
 *   if (error instanceof CheckpointError) console.error(error.message);
 * }
 * ```
 */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}
