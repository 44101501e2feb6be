import { EMPTY, Observable } from 'rxjs';
import { BudgetExceededError } from '../../errors/llm-error.js';
import { failedResultLine, okResultLine } from '../../checkpoint/format-result-line.js';
import { openResultsCheckpoint, type ResultsCheckpoint } from '../../checkpoint/results-checkpoint.js';
import { itemTagOf } from '../../internal/item-tag.js';
import type { ChatResult, Prompt, PromptId } from '../../types.js';

/** A prompt's key in a results file: its item `id`, else `index-<i>`. */
export function checkpointKey(prompt: Prompt, index: number): PromptId {
  return itemTagOf(prompt)?.id ?? `index-${index}`;
}

/**
 * Runs `body` with the results file at `path` open as a checkpoint (failed lines dropped, so they are sent again),
 * and closes it (synced, unlocked) when the run completes, errors or is unsubscribed. Errors with `CheckpointError`
 * when the file cannot be opened; nothing is sent then.
 */
export function checkpointed<R>(path: string, body: (checkpoint: ResultsCheckpoint) => Observable<R>): Observable<R> {
  return new Observable<R>((subscriber) => {
    let ended = false;
    let checkpoint: ResultsCheckpoint | undefined;
    let inner: { unsubscribe(): void } | undefined;
    openResultsCheckpoint(path, { retryFailed: true }).then(
      (opened) => {
        if (ended) {
          opened.close();
          return;
        }
        checkpoint = opened;
        inner = body(opened).subscribe(subscriber);
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      ended = true;
      inner?.unsubscribe();
      checkpoint?.close();
    };
  });
}

/** `EMPTY` when the prompt's key is recorded (calling `onSkipped`), else `run()` with each outcome appended. */
export function unlessRecorded<R>(
  checkpoint: ResultsCheckpoint,
  prompt: Prompt,
  index: number,
  onSkipped: ((index: number, key: PromptId) => void) | undefined,
  run: (record: (result: ChatResult, model: string) => void) => Observable<R>,
): Observable<R> {
  const key = checkpointKey(prompt, index);
  if (checkpoint.recorded(key)) {
    onSkipped?.(index, key);
    return EMPTY;
  }
  return run((result, model) => appendResult(checkpoint, key, result, model));
}

/** Appends a result's line; budget refusals (never sent) are not recorded, so the next run sends them. */
function appendResult(checkpoint: ResultsCheckpoint, id: PromptId, result: ChatResult, model: string): void {
  const meta = itemTagOf(result.prompt)?.meta;
  const context = { id, index: result.index, model, attempts: result.attempts, ...(meta === undefined ? {} : { meta }) };
  if (result.ok) checkpoint.append(okResultLine(context, result.response));
  else if (!(result.error instanceof BudgetExceededError)) checkpoint.append(failedResultLine(context, result.error));
}
