// Hand-written operator: the bounded merge under `chatEach` and `streamEach`.
// Contract: per subscription, runs `project(prompt)` for each prompt with at most `maxActive` running, in arrival order;
// frees a slot when a prompt's Observable is torn down; completes when the source has completed and nothing runs;
// errors (and tears down every running prompt) on the first inner or source error, on a throwing `onProgress`, or
// with `signal.reason` on abort; unsubscribing tears everything down.
// Earned by: bench/README.md "Second round" - the running subscriptions sit in a Set, where RxJS's `mergeMap` removes a
// finished inner subscription from an array (`arrRemove` was 5.5 µs per request at 256 in flight); scenario 1 CPU per
// request went 1.77x -> 1.17x baseline with the rest of that round's hot-path changes.
// Pinned by: spec/pipeline/chat-each.test.ts, stream-each.test.ts, bounded-memory.test.ts, pipeline-http.test.ts,
// callbacks-that-throw.test.ts.
import { asyncScheduler, type MonoTypeOperatorFunction, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { InvalidOptionsError, isLlmError, type LlmError } from '../../errors/llm-error.js';
import { progressTracker, type ProgressRecorder } from '../../progress/progress-tracker.js';
import type { ChatModel } from '../../model/chat-provider.js';
import { Fifo } from '../../internal/fifo.js';
import { PullDemandSignal, withPullDemand } from './pull-demand.js';
import { rateLimiter } from '../../rate-limiter/rate-limiter.js';
import type { RateLimiter, Reservation } from '../../rate-limiter/rate-limiter-types.js';
import type { Prompt, RetryOptions } from '../../types.js';
import type { OnError, PipelineOptions } from '../pipeline-options.js';
import { DEFAULT_OUTPUT_TOKENS } from '../../model/worst-case-usage.js';
import { DEFAULT_RETRY, retryWithBackoff } from '../../model/retry-with-backoff.js';

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
   * One attempt costing `tokens`: waits for a turn from the limiter, calls `beforeSend` (false: send nothing and
   * complete; the turn's tokens are handed back), then mirrors `send(reservation)`. A first attempt (`isFirst()` when
   * subscribed) is given up, completing without a value, if the run stops submitting (`onError: 'return'`) while it
   * waits. Subscribe once per attempt (a retry resubscribes).
   */
  attempt<T>(tokens: number, isFirst: () => boolean, beforeSend: () => boolean, send: (reservation: Reservation) => Observable<T>): Observable<T>;
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
    throw new InvalidOptionsError(`${label}: expected a ChatModel, e.g. from openai() or customModel()`);
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
  // Hand-written (what `defer` + `takeUntil` + `tap` + `mergeMap(…, maxActive)` + `finalize` did): one layer between the
  // prompts and the per-prompt Observables, whose subscriptions sit in a Set (removal is O(1), where an RxJS
  // subscription's child list is O(prompts in flight)).
  return new Observable<R>((subscriber) => {
    const { signal, scheduler, maxActive } = settings;
    if (signal?.aborted === true) {
      subscriber.error(signal.reason);
      return undefined;
    }

    const limiter = settings.limiter ?? defaultLimiter(settings);
    const tracker = settings.progress ?? (settings.onProgress === undefined ? undefined : progressTracker({ scheduler }));
    const maxRetryAfterMs = settings.retry.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs;
    /** The run submits nothing new (`onError: 'return'` after a failure). */
    let stopped = false;
    /** Called once when the run stops submitting: first attempts waiting for a turn, and the source. */
    const stopListeners = new Set<() => void>();
    let received = 0;
    let finished = 0;
    let ended = false;
    const demand = new PullDemandSignal(() => (ended || stopped ? -Infinity : maxActive - (received - finished)));

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
      attempt: (tokens, isFirst, beforeSend, send) =>
        new Observable((attemptSubscriber) => {
          const first = isFirst();
          if (first && stopped) {
            attemptSubscriber.complete();
            return undefined;
          }
          // A first attempt's wait registers in `stopListeners` (not a Subject subscription, whose removal is O(n)).
          const onStop = first ? () => attemptSubscriber.complete() : undefined;
          if (onStop !== undefined) stopListeners.add(onStop);
          let granted = false;
          const turn = limiter.acquire({ tokens }).subscribe({
            next: (reservation) => {
              granted = true;
              if (onStop !== undefined) stopListeners.delete(onStop);
              // Stopping cancels an earlier waiter, and the limiter may hand its turn on to this one before this one's
              // own cancel arrives: a turn granted once the run has stopped is handed back unused, so 'return' sends
              // nothing new.
              if ((first && stopped) || !beforeSend()) {
                reservation.settle(0);
                attemptSubscriber.complete();
                return;
              }
              // The attempt's subscriber goes straight to `send`: no layer per response or stream chunk.
              send(reservation).subscribe(attemptSubscriber);
            },
            error: (error: unknown) => attemptSubscriber.error(error),
            complete: () => {
              if (!granted) attemptSubscriber.complete();
            },
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
        if (settings.onError === 'return' && !stopped) {
          stopped = true;
          for (const onStop of [...stopListeners]) onStop();
        }
        return false;
      },
    };

    /** Per-prompt subscriptions running. */
    const active = new Set<Subscription>();
    /** Prompts received while every slot was taken (a synchronous source delivers them all at once). */
    const waiting = new Fifo<Prompt>();
    let nextIndex = 0;
    let sourceDone = false;
    let draining = false;
    const start = (prompt: Prompt) => {
      const index = nextIndex++;
      const inner = project(prompt, index, run).subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => subscriber.error(error),
      });
      active.add(inner);
      // After the prompt's own teardown (as `mergeMap` frees a slot): its request is closed before the next one starts.
      inner.add(() => {
        active.delete(inner);
        finished += 1;
        demand.changed();
        drain();
      });
    };
    /** Starts waiting prompts while slots are free; completes once the source is done and nothing runs. */
    const drain = () => {
      if (draining || subscriber.closed) return;
      draining = true;
      try {
        while (active.size < maxActive && !waiting.isEmpty() && !subscriber.closed) start(waiting.shift()!);
      } finally {
        draining = false;
      }
      if (sourceDone && active.size === 0 && waiting.isEmpty() && !subscriber.closed) subscriber.complete();
    };

    const { onProgress } = settings;
    // A throwing `onProgress` ends the run with its error (a plain observer's throw would become an uncaughtException).
    const progressSubscription =
      onProgress === undefined
        ? undefined
        : tracker?.progress$.subscribe((progress) => {
            try {
              onProgress(progress);
            } catch (error) {
              subscriber.error(error);
            }
          });
    tracker?.runStarted();
    const onAbort = () => subscriber.error(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let sourceSubscription: Subscription | undefined;
    const stopSource = () => {
      sourceDone = true; // and nothing waiting starts: the run completes once the prompts in flight have finished
      sourceSubscription?.unsubscribe();
      waiting.clear();
      drain();
    };
    stopListeners.add(stopSource);
    sourceSubscription = withPullDemand(demand, () =>
      source.subscribe({
        next: (prompt) => {
          if (stopped) return;
          received += 1;
          waiting.push(prompt);
          drain();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          drain();
        },
      }),
    );
    if (stopped) sourceSubscription.unsubscribe();
    return () => {
      ended = true;
      signal?.removeEventListener('abort', onAbort);
      sourceSubscription?.unsubscribe();
      for (const inner of [...active]) inner.unsubscribe();
      active.clear();
      tracker?.runEnded();
      progressSubscription?.unsubscribe();
    };
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
