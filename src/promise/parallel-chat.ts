import { catchError, isObservable, type Observable, type Subscription, tap, throwError } from 'rxjs';
import { z } from 'zod';
import { BudgetExceededError, InvalidOptionsError, isLlmError, LlmError } from '../errors/llm-error.js';
import { chatEachWith } from '../pipeline/chat-each.js';
import { type PipelineOptions, pipelineOptionsShape } from '../pipeline/pipeline-options.js';
import { attachPartialResults } from './partial-results.js';
import { attachStopReason, type StopReason } from './stop-reason.js';
import { progressTracker } from '../progress/progress-tracker.js';
import type { ChatModel } from '../model/chat-provider.js';
import { isPullSource, pullPrompts } from '../pipeline/pull-prompts.js';
import type { ChatResponse, ChatResult, ItemTag, Prompt, PromptId } from '../types.js';
import { readRecordedResponses } from '../checkpoint/read-recorded-responses.js';
import { compact } from '../internal/compact.js';
import { applyTag } from '../internal/item-tag.js';
import { validateOptions } from '../internal/validate-options.js';

/**
 * Where the Promise wrappers read prompts from. Iterables are pulled one prompt per free slot (plus `readAhead`).
 *
 * @example
 * ```ts
 * import { openai, parallelChatText, type PromptSource } from 'rxllm';
 * async function* fromDatabase() {
 *   yield 'Say hi.'; // e.g. rows read page by page
 *   yield 'Say hello.';
 * }
 * const sources: PromptSource[] = [['Say hi.'], new Set(['Say hey.']), fromDatabase()];
 * for (const source of sources) console.log(await parallelChatText(openai({ model: 'gpt-4o-mini' }), source));
 * ```
 */
export type PromptSource = Iterable<Prompt> | AsyncIterable<Prompt> | Observable<Prompt>;

/**
 * Options of `parallelChat` and `parallelChatText`: those of `chatEach`, with `onError` defaulting to `'return'`.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, type ParallelChatOptions } from 'rxllm';
 * const options: ParallelChatOptions = { maxActive: 8, onError: 'continue', signal: AbortSignal.timeout(30_000), onAbort: 'resolve' };
 * console.log(await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.'], options)); // what is done in 30 s
 * ```
 */
export interface ParallelChatOptions extends PipelineOptions {
  /** Prompts read ahead of need from an (async) iterable. @defaultValue `2` */
  readAhead?: number;
  /**
   * What an abort of `signal` does (also when it is already aborted at the call): `'reject'` rejects with
   * `signal.reason`, `'resolve'` resolves with the results so far (`null` for the rest). Either way the requests in
   * flight are aborted at once. @defaultValue `'reject'`
   */
  onAbort?: 'reject' | 'resolve';
}

/**
 * One entry of `parallelChat`'s result: the answer, the item's error, or `null` when the prompt was never submitted.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, type ParallelChatResult } from 'rxllm';
 * const describe = (result: ParallelChatResult) =>
 *   result === null ? 'not sent' : result instanceof Error ? `failed: ${result.message}` : result.text;
 * console.log((await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.'])).map(describe));
 * ```
 */
export type ParallelChatResult = ChatResponse | LlmError | null;

const parallelChatOptionsSchema = z.strictObject({
  ...pipelineOptionsShape,
  readAhead: z.number().int().nonnegative().optional(),
  onAbort: z.enum(['reject', 'resolve']).optional(),
});

/**
 * Answers many prompts in parallel and resolves with the results in input order: `results[i]` is the `ChatResponse`
 * of `prompts[i]`, its `LlmError` after retries, or `null` when it was never submitted. Concurrency, rate limits and
 * retries are those of `chatEach`. A prompt given as a `PromptItem` gets its `id` and `meta` on its `ChatResponse` or
 * `LlmError` (a `null` carries nothing: use the index).
 *
 * `onError`, as in chatlas: `'return'` (default) submits nothing new after the first failure, lets the requests in
 * flight finish and resolves (later prompts `null`); `'continue'` answers every prompt; `'stop'` aborts the requests in
 * flight and rejects with the failure. A fatal error (401, 402/quota, 403) always rejects with that error. An aborted
 * `signal` aborts the requests in flight and rejects with `signal.reason` (or resolves with what is done, with
 * `onAbort: 'resolve'`). Every rejection carries the results gathered so far: read them with `partialResultsOf(error)`.
 * Invalid options or prompts source reject with `InvalidOptionsError`; a source that throws (a generator, a failing
 * Observable) rejects with an `LlmError` (code `prompt_source_error`) whose `cause` is what it threw.
 *
 * `prompts` may be an array, any iterable or async iterable (read one prompt per free slot plus `readAhead`, so a
 * huge generator runs in memory bounded by `maxActive` — the result array itself aside), or an Observable. For an
 * array the result has the same length; for other sources it covers the prompts read.
 *
 * @param model - The model, e.g. from `openai()`.
 * @param prompts - The prompts.
 * @param options - See `ParallelChatOptions`.
 * @returns A Promise of one entry per prompt, in input order.
 *
 * @example
 * ```ts
 * import { openai, parallelChat } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * const results = await parallelChat(model, ['Capital of Peru?', 'Capital of Chile?'], { maxActive: 4 });
 * for (const result of results) console.log(result === null ? 'not sent' : result instanceof Error ? result.message : result.text);
 * ```
 */
export function parallelChat(model: ChatModel, prompts: PromptSource, options: ParallelChatOptions = {}): Promise<ParallelChatResult[]> {
  return collectInOrder(model, prompts, options, 'parallelChat()', (response, result) => taggedResponse(response, result));
}

/** The body of the Promise wrappers: runs `chatEach` and gathers `pick(response)` per index. Internal. */
export function collectInOrder<T>(
  model: ChatModel,
  prompts: PromptSource,
  options: ParallelChatOptions,
  label: string,
  pick: (response: ChatResponse, result: ChatResult & { ok: true }) => T,
): Promise<(T | LlmError | null)[]> {
  return new Promise((resolve, reject) => {
    const { readAhead, onAbort = 'reject', signal, progress, onProgress, ...rest } = validateOptions(
      parallelChatOptionsSchema,
      options,
      `${label} options`,
    );
    const source = toObservable(prompts, readAhead, label);
    const known = Array.isArray(prompts) ? prompts.length : undefined;
    const results: (T | LlmError | null)[] = known === undefined ? [] : new Array<null>(known).fill(null);
    const tracker = progress ?? (onProgress === undefined ? undefined : progressTracker({ scheduler: rest.scheduler }));
    if (known !== undefined) tracker?.expectTotal(known);
    let stop: StopReason | undefined;
    const stopped = (reason: StopReason) => {
      if (stop !== undefined) return;
      stop = reason;
      attachStopReason(results, reason);
    };
    const fail = (error: unknown) => {
      attachPartialResults(error, results);
      reject(error);
    };
    const aborted = () => {
      stopped({ kind: 'abort', reason: signal?.reason });
      if (onAbort === 'resolve') resolve(results);
      else fail(signal?.reason);
    };
    const stopsOnFailure = (rest.onError ?? 'return') === 'return';
    if (signal?.aborted === true) {
      aborted();
      return;
    }

    const operator = chatEachWith(
      model,
      { ...rest, progress: tracker, onProgress },
      'return',
      label,
      {
        onEndingFailure: (result) => {
          results[result.index] = applyTag(result.error, result);
          stopped({ kind: 'error', index: result.index, error: result.error });
        },
        onSkipped: (index, key) => skipped.set(key, index),
      },
    );
    /** With `checkpoint`: prompts the results file already answered, by key, and their answers read back. */
    const skipped = new Map<PromptId, number>();
    const fillSkipped = async () => {
      if (rest.checkpoint === undefined || skipped.size === 0) return;
      for (const [index, response] of await readRecordedResponses(rest.checkpoint, skipped)) {
        const tag = compact({ id: response.id, meta: response.meta });
        results[index] = pick(response, { index, prompt: '', ok: true, response, attempts: 0, ...tag });
      }
    };
    let settled = false;
    let subscription: Subscription | undefined;
    const onAbortEvent = () => {
      if (settled) return;
      settled = true;
      subscription?.unsubscribe();
      aborted();
    };
    subscription = source
      .pipe(
        tap(() => {
          if (known === undefined) results.push(null);
        }),
        operator,
      )
      .subscribe({
        next: (result) => {
          if (settled) return;
          // A prompt a budget kept from being sent was never submitted: null, like the rest of the unsent prompts.
          if (!result.ok) {
            const { index, error } = result;
            if (error instanceof BudgetExceededError) stopped({ kind: 'budget', index, error });
            else if (stopsOnFailure) stopped({ kind: 'error', index, error });
          }
          try {
            results[result.index] = result.ok
              ? pick(result.response, result)
              : result.error instanceof BudgetExceededError
                ? null
                : applyTag(result.error, result);
          } catch (error) {
            // `pick` runs user code (a structured-output schema's refine or transform): its throw rejects the run.
            settled = true;
            signal?.removeEventListener('abort', onAbortEvent);
            subscription?.unsubscribe();
            fail(error);
          }
        },
        error: (error: unknown) => {
          settled = true;
          signal?.removeEventListener('abort', onAbortEvent);
          fail(error);
        },
        complete: () => {
          settled = true;
          signal?.removeEventListener('abort', onAbortEvent);
          fillSkipped().then(() => resolve(results), fail);
        },
      });
    if (settled) subscription.unsubscribe(); // `pick` threw while subscribing
    else signal?.addEventListener('abort', onAbortEvent, { once: true });
  });
}

/** The response with the result's item `id` and `meta` (a copy: the provider's object stays as it was); as is without them. */
function taggedResponse(response: ChatResponse, result: ItemTag): ChatResponse {
  if (!('id' in result) && !('meta' in result)) return response;
  return applyTag({ ...response }, result);
}

function toObservable(prompts: PromptSource, readAhead: number | undefined, label: string): Observable<Prompt> {
  if (isObservable(prompts)) return prompts.pipe(catchError((error: unknown) => throwError(() => sourceError(error, label))));
  if (isPullSource<Prompt>(prompts)) return pullPrompts(prompts, { readAhead }).pipe(catchError((error: unknown) => throwError(() => sourceError(error, label))));
  throw new InvalidOptionsError(
    `${label} prompts: expected an array, an iterable, an async iterable or an Observable of prompts${typeof prompts === 'string' ? ' (got a string: wrap a single prompt in an array)' : ''}`,
  );
}

/** What the prompts source (a generator, a stream) threw, as an `LlmError` keeping it as `cause`. */
function sourceError(error: unknown, label: string): LlmError {
  if (isLlmError(error)) return error;
  const said = error instanceof Error ? error.message : String(error);
  return new LlmError(`${label} prompts: the source failed (${said})`, { cause: error, code: 'prompt_source_error' });
}
