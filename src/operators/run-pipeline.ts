import {
  asyncScheduler,
  BehaviorSubject,
  defer,
  EMPTY,
  filter,
  finalize,
  mergeMap,
  type MonoTypeOperatorFunction,
  Observable,
  type SchedulerLike,
  takeUntil,
  tap,
  throwError,
} from 'rxjs';
import { InvalidOptionsError, isLlmError, type LlmError } from '../errors.js';
import { createProgress, type ProgressRecorder } from '../progress/create-progress.js';
import type { ChatModel } from '../providers/provider.js';
import { PullDemandSignal, withPullDemand } from '../pull-demand.js';
import { rateLimiter } from '../rate-limiter/rate-limiter.js';
import type { RateLimiter, Reservation } from '../rate-limiter/rate-limiter-types.js';
import type { Prompt, RetryOptions } from '../types.js';
import { DEFAULT_OUTPUT_TOKENS, type OnError, type PipelineOptions } from './pipeline-options.js';
import { DEFAULT_RETRY, retryWithBackoff } from './retry-with-backoff.js';

/** `PipelineOptions` with defaults applied. */
export interface PipelineSettings extends Omit<PipelineOptions, 'maxActive' | 'rpm' | 'onError' | 'retry' | 'scheduler' | 'defaultOutputTokens'> {
  maxActive: number;
  rpm: number;
  onError: OnError;
  /** The model's retry policy with the pipeline's on top. */
  retry: RetryOptions;
  scheduler: SchedulerLike;
  defaultOutputTokens: number;
}

/** What a pipeline's per-prompt projection may use. */
export interface PipelineRun {
  readonly settings: PipelineSettings;
  readonly limiter: RateLimiter;
  readonly progress: ProgressRecorder | undefined;
  /**
   * One turn from the limiter for an attempt costing `tokens`. A first attempt's turn is given up (the Observable
   * completes without a value) if the run stops submitting (`onError: 'return'`) while it waits.
   */
  takeTurn(tokens: number, firstAttempt: boolean): Observable<Reservation>;
  /** `retryWithBackoff` with the run's policy, scheduler and hooks (progress, global pause on a 429). */
  retry<T>(): MonoTypeOperatorFunction<T>;
  /** Pauses the limiter for the `retryAfterMs` an error carries (capped at `maxRetryAfterMs`). */
  pauseFor(error: unknown): void;
  /** Applies `onError` to a failure after retries. True when the run must end with this error. */
  endsRun(error: LlmError): boolean;
}

/** Builds `PipelineSettings` from validated options and the model's defaults. */
export function pipelineSettings(model: ChatModel, options: PipelineOptions, defaultOnError: OnError): PipelineSettings {
  const { maxActive = 10, rpm = 500, onError = defaultOnError, retry, scheduler = asyncScheduler, defaultOutputTokens = DEFAULT_OUTPUT_TOKENS, ...rest } = options;
  return { ...rest, maxActive, rpm, onError, retry: { ...model.retry, ...definedOnly(retry ?? {}) }, scheduler, defaultOutputTokens };
}

/** Throws `InvalidOptionsError` unless `model` looks like a `ChatModel`. */
export function assertChatModel(model: unknown, label: string): asserts model is ChatModel {
  const candidate = model as Partial<ChatModel> | null | undefined;
  if (typeof candidate?.resolve !== 'function' || typeof candidate.provider?.chat !== 'function') {
    throw new InvalidOptionsError(`${label}: expected a ChatModel, e.g. from openai() or createChatModel()`);
  }
}

/**
 * The shared body of `chatEach` and `streamEach`: per subscription it makes the limiter and progress hooks, runs
 * `project` for each prompt under a `maxActive` cap, tells pull sources upstream how much room there is, stops
 * submitting when `onError: 'return'` says so, and errors with `signal.reason` when the signal aborts.
 */
export function runPipeline<R>(
  source: Observable<Prompt>,
  settings: PipelineSettings,
  project: (prompt: Prompt, index: number, run: PipelineRun) => Observable<R>,
): Observable<R> {
  return defer(() => {
    const { signal, scheduler, maxActive } = settings;
    if (signal?.aborted === true) return throwError(() => signal.reason as unknown);

    const limiter = settings.limiter ?? defaultLimiter(settings);
    const tracker = settings.progress ?? (settings.onProgress === undefined ? undefined : createProgress({ scheduler }));
    const maxRetryAfterMs = settings.retry.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs;
    const stopped = new BehaviorSubject(false);
    const stopped$ = stopped.pipe(filter(Boolean));
    /** First attempts waiting for a turn, given up when the run stops submitting. */
    const stopListeners = new Set<() => void>();
    let received = 0;
    let finished = 0;
    let ended = false;
    const demand = new PullDemandSignal(() => (ended || stopped.value ? -Infinity : maxActive - (received - finished)));

    const pauseFor = (error: unknown) => {
      if (isLlmError(error) && error.retryAfterMs !== undefined) limiter.pause(Math.min(error.retryAfterMs, maxRetryAfterMs));
    };
    // One operator for every prompt: `retry` keeps its state per subscription.
    const retry = retryWithBackoff<unknown>({
      ...settings.retry,
      scheduler,
      onRetry: (event) => {
        tracker?.retryScheduled();
        // A 429 without a server-given wait still means the shared budget is gone: everyone backs off.
        if (!event.serverAsked && event.error.status === 429) limiter.pause(event.delayMs);
      },
    });
    const run: PipelineRun = {
      settings,
      limiter,
      progress: tracker,
      // What `acquire().pipe(take(1), takeUntil(stopped$), filter(…))` did, without a Subject subscription per attempt
      // (whose removal is O(prompts in flight)): a first attempt's wait registers in `stopListeners` instead.
      takeTurn: (tokens, firstAttempt) =>
        new Observable<Reservation>((subscriber) => {
          if (firstAttempt && stopped.value) {
            subscriber.complete();
            return undefined;
          }
          const onStop = firstAttempt ? () => subscriber.complete() : undefined;
          if (onStop !== undefined) stopListeners.add(onStop);
          const turn = limiter.acquire({ tokens }).subscribe({
            next: (reservation) => {
              // Stopping cancels an earlier waiter, and the limiter may hand its turn on to this one before this one's
              // own cancel arrives: a turn granted once the run has stopped is handed back unused, so 'return' sends
              // nothing new.
              if (firstAttempt && stopped.value) reservation.settle(0);
              else subscriber.next(reservation);
              subscriber.complete();
            },
            error: (error: unknown) => subscriber.error(error),
            complete: () => subscriber.complete(),
          });
          return () => {
            if (onStop !== undefined) stopListeners.delete(onStop);
            turn.unsubscribe();
          };
        }),
      retry: <T>() => retry as MonoTypeOperatorFunction<T>,
      pauseFor,
      endsRun: (error) => {
        if (error.fatal || settings.onError === 'stop') return true;
        if (settings.onError === 'return' && !stopped.value) {
          stopped.next(true);
          for (const onStop of [...stopListeners]) onStop();
        }
        return false;
      },
    };

    const prompts = new Observable<Prompt>((subscriber) => withPullDemand(demand, () => source.subscribe(subscriber)));
    const results = prompts.pipe(
      takeUntil(stopped$),
      tap(() => (received += 1)),
      mergeMap(
        (prompt, index) =>
          (stopped.value ? EMPTY : project(prompt, index, run)).pipe(
            finalize(() => {
              finished += 1;
              demand.changed();
            }),
          ),
        maxActive,
      ),
    );

    return new Observable<R>((subscriber) => {
      const progressSubscription = settings.onProgress === undefined ? undefined : tracker?.progress$.subscribe(settings.onProgress);
      tracker?.runStarted();
      const onAbort = () => subscriber.error(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const subscription = results.subscribe(subscriber);
      return () => {
        ended = true;
        signal?.removeEventListener('abort', onAbort);
        subscription.unsubscribe();
        tracker?.runEnded();
        progressSubscription?.unsubscribe();
      };
    });
  });
}

/** Effectively no request limit, while still honouring `pause` and `observe`. */
const UNLIMITED = { rpm: 1e9, burst: 1e9 };

/** The limiter a subscription makes when none is shared: from `rpm` and `tpm` (`Infinity` meaning no limit). */
function defaultLimiter({ rpm, tpm, scheduler }: PipelineSettings): RateLimiter {
  const requests = rpm === Infinity ? UNLIMITED : { rpm };
  return rateLimiter({ ...requests, ...(tpm === undefined || tpm === Infinity ? {} : { tpm }), scheduler });
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
