// The hand-written retryWithBackoff as it stood before the RxJS rebuild (commit 91c304c), kept only as the baseline of
// bench/tools/retry-with-backoff-bench.ts. Not part of the library.
import { asyncScheduler, type MonoTypeOperatorFunction, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { isLlmError, type LlmError } from '../../src/errors/llm-error.js';
import type { RetryOptions } from '../../src/types.js';

/**
 * Options of `retryWithBackoff`: the retry policy plus hooks for pipelines and tests.
 *
 * @example
 * ```ts
 * import { openai, retryWithBackoff, type RetryWithBackoffOptions } from 'rxllm';
 * const options: RetryWithBackoffOptions = {
 *   maxRetries: 4,
 *   initialDelayMs: 250,
 *   onRetry: (event) => console.log(`retry ${event.retry} in ${event.delayMs} ms`),
 * };
 * const model = openai({ model: 'gpt-4o-mini' });
 * model.provider.chat(model.resolve('Say hi.'))
 *   .pipe(retryWithBackoff(options))
 *   .subscribe((response) => console.log(response.text));
 * ```
 */
export interface RetryWithBackoffOptions extends RetryOptions {
  /** Clock and timer source. @defaultValue `asyncScheduler` */
  scheduler?: SchedulerLike;
  /** Called when a retry is scheduled, before its wait. */
  onRetry?: (event: RetryEvent) => void;
  /** Random source in [0, 1) for jitter. @defaultValue `Math.random` */
  random?: () => number;
}

/**
 * One scheduled retry.
 *
 * @example
 * ```ts
 * import { openai, retryWithBackoff, type RetryEvent } from 'rxllm';
 * const log = (event: RetryEvent) =>
 *   console.log(`${event.error.name}: retry ${event.retry} in ${event.delayMs} ms`, event.serverAsked ? '(retry-after)' : '');
 * const model = openai({ model: 'gpt-4o-mini' });
 * model.provider.chat(model.resolve('Say hi.'))
 *   .pipe(retryWithBackoff({ onRetry: log }))
 *   .subscribe((response) => console.log(response.text));
 * ```
 */
export interface RetryEvent {
  error: LlmError;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  /** True when the delay came from the server (`retry-after`). */
  serverAsked: boolean;
}

/** Resolved defaults of `RetryOptions`. */
export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  jitter: true,
};

/**
 * Resubscribes to the source after a retryable `LlmError`, waiting an exponential backoff (capped, with jitter)
 * or exactly the `retryAfterMs` the server asked for. Non-retryable and fatal errors, non-rxllm errors,
 * and server waits longer than `maxRetryAfterMs` pass through at once. Unsubscribing cancels a pending wait.
 *
 * @param options - Retry policy; `maxRetries` defaults to 2.
 * @returns An operator that retries the source.
 *
 * @example
 * ```ts
 * import { retryWithBackoff, openai } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * model.provider.chat(model.resolve('Hi')).pipe(retryWithBackoff({ maxRetries: 3 })).subscribe((r) => console.log(r.text));
 * ```
 */
export function retryWithBackoff<T>(options: RetryWithBackoffOptions = {}): MonoTypeOperatorFunction<T> {
  const policy = { ...DEFAULT_RETRY, ...definedOnly(options) };
  const { scheduler = asyncScheduler, onRetry, random = Math.random } = options;
  // Hand-written (what `retry({ count, delay })` did): every response and stream chunk of a pipeline passes through
  // here, so one plain layer instead of an operator subscriber per value and a `timer` Observable per wait.
  return (source) =>
    new Observable<T>((subscriber) => {
      let retries = 0;
      let attempt: Subscription | undefined;
      let wait: Subscription | undefined;
      let closed = false;
      const subscribe = () => {
        let failed: { error: unknown } | undefined;
        let subscribing = true;
        attempt = source.subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            if (subscribing) failed = { error };
            else retryAfter(error);
          },
          complete: () => subscriber.complete(),
        });
        subscribing = false;
        if (failed !== undefined) retryAfter(failed.error); // failed during subscribe: retry outside that call
      };
      const retryAfter = (error: unknown) => {
        attempt?.unsubscribe(); // the failed attempt is closed before anything else happens (as `retry` does)
        attempt = undefined;
        const delay = retries < policy.maxRetries ? retryDelay(error, retries + 1, policy, random) : undefined;
        if (delay === undefined) {
          subscriber.error(error);
          return;
        }
        retries += 1;
        onRetry?.({ error: error as LlmError, retry: retries, ...delay });
        if (closed) return; // the hook unsubscribed
        wait = scheduler.schedule(() => {
          wait = undefined;
          subscribe();
        }, delay.delayMs);
      };
      subscribe();
      return () => {
        closed = true;
        attempt?.unsubscribe();
        wait?.unsubscribe();
      };
    });
}

/**
 * Whether retry number `retryCount` (1-based) of a failure is made, and after how long: `undefined` for errors that
 * are not retryable `LlmError`s and for server waits longer than `maxRetryAfterMs`.
 */
function retryDelay(
  error: unknown,
  retryCount: number,
  policy: Required<RetryOptions>,
  random: () => number = Math.random,
): { delayMs: number; serverAsked: boolean } | undefined {
  if (!isLlmError(error) || !error.retryable) return undefined;
  const { retryAfterMs } = error;
  if (retryAfterMs !== undefined) return retryAfterMs > policy.maxRetryAfterMs ? undefined : { delayMs: retryAfterMs, serverAsked: true };
  return { delayMs: backoffDelay(retryCount, policy, random), serverAsked: false };
}

/** The wait before retry number `retryCount` (1-based): doubling from `initialDelayMs`, capped, jittered into [½, 1]. */
export function backoffDelay(retryCount: number, policy: Required<RetryOptions>, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retryCount - 1));
  return policy.jitter ? Math.round(base / 2 + (random() * base) / 2) : base;
}

function definedOnly(options: RetryOptions): RetryOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as RetryOptions;
}
