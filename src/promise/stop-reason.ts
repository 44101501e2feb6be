import type { BudgetExceededError, LlmError } from '../errors/llm-error.js';

/**
 * Why a Promise wrapper's run sent no more prompts: the failure that stopped it (`onError: 'return'` or `'stop'`, or
 * a fatal error), the budget that refused a prompt, or the abort of its `signal`. `index` is the input position of
 * the prompt concerned.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, stopReasonOf, type StopReason } from 'rxllm';
 * const results = await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.']);
 * const reason: StopReason | undefined = stopReasonOf(results);
 * console.log(reason === undefined ? 'every prompt was sent' : reason.kind);
 * ```
 */
export type StopReason =
  | { kind: 'error'; index: number; error: LlmError }
  | { kind: 'budget'; index: number; error: BudgetExceededError }
  | { kind: 'abort'; reason: unknown };

const reasons = new WeakMap<object, StopReason>();

/** Remembers why the run that gathered `results` stopped submitting. Internal. */
export function attachStopReason(results: readonly unknown[], reason: StopReason | undefined): void {
  if (reason !== undefined) reasons.set(results, reason);
}

/** Gives `to` the stop reason of `from` (a wrapper that maps its results to a new array). Internal. */
export function copyStopReason(from: readonly unknown[], to: readonly unknown[]): void {
  attachStopReason(to, reasons.get(from));
}

/**
 * Why prompts of a Promise wrapper's run (`parallelChat`, `parallelChatText`, `parallelChatStructured`) were not
 * sent, for results that hold `null`s: `{ kind: 'error', index, error }` for the failure that stopped the run (the
 * default `onError: 'return'` stops submitting after the first one), `{ kind: 'budget', index, error }` for the first
 * prompt a `budget` refused (its `BudgetExceededError`; the prompt is `null`), `{ kind: 'abort', reason }` when
 * `signal` aborted (with `onAbort: 'resolve'`). Works on the array a wrapper resolved with and on
 * `partialResultsOf(error)` after a rejection. `undefined` when nothing stopped the run, or for any other array.
 *
 * @param results - What the wrapper resolved with, or `partialResultsOf(error)`.
 * @returns The reason, or `undefined`.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, stopReasonOf } from 'rxllm';
 * const results = await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.', 'Say hey.']);
 * const reason = stopReasonOf(results);
 * if (reason?.kind === 'error') console.log(`prompt ${reason.index} failed (${reason.error.message}); later prompts were not sent`);
 * if (reason?.kind === 'budget') console.log(`the budget refused prompt ${reason.index}`);
 * if (reason?.kind === 'abort') console.log('aborted:', reason.reason);
 * ```
 */
export function stopReasonOf(results: readonly unknown[]): StopReason | undefined {
  if (typeof results !== 'object' || results === null) return undefined;
  return reasons.get(results);
}
