import { asyncScheduler, type MonoTypeOperatorFunction, retry, type SchedulerLike, throwError, timer } from 'rxjs';
import { isLlmError, type LlmError } from '../errors.js';
import type { RetryOptions } from '../types.js';

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
  return retry({
    count: policy.maxRetries,
    delay: (error: unknown, retryCount: number) => {
      if (!isLlmError(error) || !error.retryable) return throwError(() => error);
      const serverAsked = error.retryAfterMs !== undefined;
      if (serverAsked && error.retryAfterMs! > policy.maxRetryAfterMs) return throwError(() => error);
      const delayMs = serverAsked ? error.retryAfterMs! : backoffDelay(retryCount, policy, random);
      onRetry?.({ error, retry: retryCount, delayMs, serverAsked });
      return timer(delayMs, scheduler);
    },
  });
}

/** The wait before retry number `retryCount` (1-based): doubling from `initialDelayMs`, capped, jittered into [½, 1]. */
export function backoffDelay(retryCount: number, policy: Required<RetryOptions>, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retryCount - 1));
  return policy.jitter ? Math.round(base / 2 + (random() * base) / 2) : base;
}

function definedOnly(options: RetryOptions): RetryOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as RetryOptions;
}
