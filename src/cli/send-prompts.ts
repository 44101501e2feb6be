import { catchError, from, map, mergeMap, type Observable, of } from 'rxjs';
import { type ChatEachOptions, type ChatResult, chatEach, type Prompt, streamEach, toLlmError } from '../index.js';
import type { RunOptions } from './parse-run-args.js';
import type { PreparedRun } from './prepare-run.js';
import { CLI_MAX_RETRY_AFTER_MS, type RunSession } from './run-session.js';

/**
 * Sends the prompts through the library's `chatEach` (or `streamEach` with `--stream`, each stream's response
 * awaited) with `onError: 'continue'`: one `ChatResult` per prompt, in completion order. `--on-error` is applied by
 * the caller once each result is recorded (see `endsRunOnError`).
 *
 * @param prompts - The prompt source.
 * @param options - The parsed flags.
 * @param prepared - The model.
 * @param session - The run's shared state (progress tracker, budget, pending prompts).
 * @returns A cold Observable of results.
 */
export function sendPrompts(prompts: Observable<Prompt>, options: RunOptions, { model, shared }: PreparedRun, session: RunSession): Observable<ChatResult> {
  const pipelineOptions: ChatEachOptions = {
    maxActive: options.maxActive,
    rpm: options.rpm,
    ...(options.tpm === undefined ? {} : { tpm: options.tpm }),
    ...(shared === undefined ? {} : { limiter: shared.limiter }),
    retry: { maxRetries: options.maxRetries, maxRetryAfterMs: CLI_MAX_RETRY_AFTER_MS },
    onError: 'continue',
    params: options.params,
    progress: session.tracker,
    ...(session.budget === undefined ? {} : { budget: session.budget }),
    ...(options.tierFallback === undefined ? {} : { tierFallback: options.tierFallback }),
  };
  if (!options.stream) return prompts.pipe(chatEach(model, pipelineOptions));
  return prompts.pipe(
    streamEach(model, pipelineOptions),
    mergeMap(({ index, prompt, response }) =>
      from(response).pipe(
        map((answer): ChatResult => ({ index, prompt, ok: true, response: answer, attempts: 1 })),
        catchError((error: unknown) => of<ChatResult>({ index, prompt, ok: false, error: toLlmError(error), attempts: 1 })),
      ),
    ),
  );
}

/**
 * `--on-error` after a result is recorded: `'stop'` ends the run with any failure (aborting the requests in flight);
 * `'return'` stops reading prompts (those in flight finish); `'continue'` goes on.
 *
 * @param result - The result just recorded.
 * @param onError - The flag's value.
 * @param session - Whose `stop$` `'return'` uses.
 * @returns The error that must end the run, if any.
 */
export function applyOnError(result: ChatResult, onError: RunOptions['onError'], session: RunSession): Error | undefined {
  if (result.ok || onError === 'continue') return undefined;
  if (onError === 'stop') return result.error;
  session.stop$.next();
  return undefined;
}
