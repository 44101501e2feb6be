const partialResults = new WeakMap<object, readonly unknown[]>();

/** Remembers the results a Promise wrapper had when it rejected with `error`. Internal. */
export function attachPartialResults(error: unknown, results: readonly unknown[]): void {
  if (typeof error === 'object' && error !== null) partialResults.set(error, results);
}

/**
 * The results gathered before `parallelChat` (or `parallelChatText`) rejected with `error` — after a fatal error,
 * `onError: 'stop'`, or an aborted signal — in input order, `null` where nothing was delivered. `undefined` when the
 * error did not come from a wrapper (or is not an object, e.g. a string abort reason).
 *
 * @param error - What the wrapper rejected with.
 * @returns The partial results, or `undefined`.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, partialResultsOf } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * try {
 *   await parallelChat(model, ['Hi', 'Hello'], { onError: 'stop' });
 * } catch (error) {
 *   console.log(partialResultsOf(error)); // e.g. [ChatResponse, BadRequestError]
 * }
 * ```
 */
export function partialResultsOf<T = unknown>(error: unknown): T[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return partialResults.get(error) as T[] | undefined;
}
