import { asyncScheduler, defer, type Observable, type SchedulerLike, startWith, Subject } from 'rxjs';
import { z } from 'zod';
import { schedulerSchema, validateOptions } from '../internal/validate-options.js';
import type { LimitsInForce, Usage } from '../types.js';

/**
 * Options of `progressTracker`.
 *
 * @example
 * ```ts
 * import { progressTracker, type ProgressOptions } from 'rxllm';
 * const options: ProgressOptions = { total: 1_000 };
 * console.log(progressTracker(options).snapshot().total); // 1000
 * ```
 */
export interface ProgressOptions {
  /** Number of prompts expected, when known; enables `etaMs`. `parallelChat` fills it in for arrays. */
  total?: number;
  /** Clock for `elapsedMs`, the rate window and the ETA. @defaultValue `asyncScheduler` */
  scheduler?: SchedulerLike;
}

/**
 * A snapshot of a run's progress.
 *
 * @example
 * ```ts
 * import { auditTime } from 'rxjs';
 * import { progressTracker, openai, parallelChat, type Progress } from 'rxllm';
 * const show = (p: Progress) =>
 *   console.log(`${p.done}/${p.total ?? '?'} done, ${p.failed} failed, ${Math.round(p.requestsPerMinute)} requests/min`);
 * const progress = progressTracker();
 * progress.progress$.pipe(auditTime(500)).subscribe(show);
 * await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.'], { progress });
 * progress.complete();
 * ```
 */
export interface Progress {
  /** Prompts expected, when known. */
  total: number | undefined;
  /** Prompts whose first request was sent. */
  submitted: number;
  /** Prompts sent and not finished yet (including those waiting for a retry). */
  inFlight: number;
  /** Prompts with an outcome: `succeeded + failed`. Invalid prompts count here without ever being submitted. */
  done: number;
  succeeded: number;
  failed: number;
  /** Retries scheduled, over all prompts. */
  retries: number;
  /** Input tokens reported by the server, over all answers. */
  inputTokens: number;
  /** Output tokens reported by the server, over all answers. */
  outputTokens: number;
  /** The part of `inputTokens` read from the provider's prompt cache (0 where the provider does not report it). */
  cachedInputTokens: number;
  /** The part of `inputTokens` written to the provider's prompt cache (Anthropic; 0 where not reported). */
  cacheWriteInputTokens: number;
  /** The part of `outputTokens` the model spent reasoning (0 where not reported). */
  reasoningTokens: number;
  /**
   * Waits a response's headers asked for (`retry-after`, or a spent rate-limit budget's reset) that were longer than
   * `maxRetryAfterMs`, so not waited for.
   */
  refusedWaits: number;
  /** The longest of those waits, in ms (0 when none). */
  longestRefusedWaitMs: number;
  /** Attempts refused with 429 for the rate limit (capacity refusals not included). */
  rateLimitRefusals: number;
  /** Attempts refused for lack of capacity at a service tier (`CapacityError`: OpenAI flex's 429, Groq's 498). */
  capacityRefusals: number;
  /** One warning per model switched to the fallback tier for the run because it lacks the tier asked for. */
  tierSwitches: string[];
  /**
   * The rate limits in force, as of the latest answer, each with where it came from (`'configured'`, learned from
   * the `'headers'`, or `'adapted'` by the limiter); `undefined` until a pipeline reports them.
   */
  limits: LimitsInForce | undefined;
  /** HTTP requests (attempts, retries included) sent per minute over the last 60 seconds. */
  requestsPerMinute: number;
  /** Time since the first run started, up to now or to the end of the last run. */
  elapsedMs: number;
  /**
   * Estimated time until `done` reaches `total`, from the completion rate of the last 60 seconds;
   * `undefined` while `total` is unknown or nothing has completed yet.
   */
  etaMs: number | undefined;
}

/**
 * Records what a pipeline does. `chatEach`, `streamEach` and `parallelChat` call these; call them yourself only to
 * report progress of a pipeline of your own.
 *
 * @example
 * ```ts
 * import { progressTracker, type ProgressRecorder } from 'rxllm';
 * const progress = progressTracker({ total: 1 });
 * const recorder: ProgressRecorder = progress; // report a pipeline of your own
 * recorder.runStarted();
 * recorder.promptSubmitted();
 * recorder.requestSent();
 * recorder.tokensUsed({ inputTokens: 12, outputTokens: 30, cachedInputTokens: 8 });
 * recorder.promptFinished(true, true);
 * recorder.runEnded();
 * console.log(progress.snapshot().done); // 1
 * ```
 */
export interface ProgressRecorder {
  /** A run subscribed. */
  runStarted(): void;
  /** A run completed, failed or was unsubscribed. */
  runEnded(): void;
  /** Sets `total` unless it is already set. */
  expectTotal(total: number): void;
  /**
   * A prompt's first request was sent. `index` is the prompt's position in its pipeline's source (as in its
   * result), so that a recorder can time each prompt's wait for the limiter apart from its time in flight.
   */
  promptSubmitted(index?: number): void;
  /** An HTTP request was sent (first attempt or retry), for the prompt at `index` (so attempts can be counted per prompt). */
  requestSent(index?: number): void;
  /** A retry was scheduled. */
  retryScheduled(): void;
  /** The server reported token usage (its cached, cache-write and reasoning parts are counted too). */
  tokensUsed(usage: Usage): void;
  /** A prompt has its outcome; `submitted` says whether it had been counted by `promptSubmitted`. */
  promptFinished(ok: boolean, submitted: boolean): void;
  /** A submitted prompt was cancelled without an outcome (unsubscribed or stopped). */
  promptCancelled(): void;
  /** A response's headers asked for a wait of `waitMs`, longer than `maxRetryAfterMs`: it was not waited for. */
  waitRefused(waitMs: number): void;
  /** An attempt was refused: by the rate limit (a 429), or for lack of capacity at its service tier. */
  refused?(kind: 'rateLimit' | 'capacity'): void;
  /** A model was switched to the fallback tier for the run; `warning` says which and why. */
  tierSwitched?(warning: string): void;
  /** The limits in force now (a new snapshot only when they changed). */
  limitsInForce?(limits: LimitsInForce | undefined): void;
}

/**
 * A progress tracker: pass it as a pipeline's `progress` option and watch `progress$`.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, progressTracker, openai, type ProgressTracker } from 'rxllm';
 * const tracker: ProgressTracker = progressTracker({ total: 2 });
 * from(['Say hi.', 'Say hello.'])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' }), { progress: tracker }))
 *   .subscribe({ complete: () => console.log(tracker.snapshot()) });
 * ```
 */
export interface ProgressTracker extends ProgressRecorder {
  refused(kind: 'rateLimit' | 'capacity'): void;
  tierSwitched(warning: string): void;
  limitsInForce(limits: LimitsInForce | undefined): void;
  /**
   * The current snapshot at subscription, then a new one after every change (unthrottled: pipe it through
   * `auditTime` for a display). Completes when `complete()` is called; subscribing after that gives the final
   * snapshot and completes.
   */
  readonly progress$: Observable<Progress>;
  /** The current snapshot. */
  snapshot(): Progress;
  /** Completes `progress$` (after one last snapshot). */
  complete(): void;
}

const WINDOW_MS = 60_000;
/** Shortest window used for rates, so that the first request does not read as a huge rate. */
const MIN_WINDOW_MS = 1_000;

const progressOptionsSchema = z.strictObject({
  total: z.number().int().nonnegative().optional(),
  scheduler: schedulerSchema.optional(),
});

/**
 * Creates a progress tracker to pass to `chatEach`, `streamEach` or `parallelChat` (`progress` option). It counts
 * submitted, in-flight, done, succeeded and failed prompts, retries and tokens (with their cached, cache-write and
 * reasoning parts), and derives the request rate and an
 * ETA. One tracker may follow several runs; counts add up.
 *
 * Options are validated (`InvalidOptionsError` naming the field). `progress$` emits synchronously on every change
 * and never completes on its own: call `complete()` when the display is done.
 *
 * @param options - The expected `total` and a clock.
 * @returns A `ProgressTracker`.
 *
 * @example
 * ```ts
 * import { from, auditTime } from 'rxjs';
 * import { chatEach, progressTracker, openai } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * const prompts = ['Name a colour.', 'Name a fruit.', 'Name a tree.'];
 * const progress = progressTracker({ total: prompts.length });
 * progress.progress$.pipe(auditTime(200)).subscribe((p) => console.log(`${p.done}/${p.total}, eta ${p.etaMs} ms`));
 * from(prompts).pipe(chatEach(model, { progress })).subscribe({ complete: () => progress.complete() });
 * ```
 */
export function progressTracker(options: ProgressOptions = {}): ProgressTracker {
  const parsed = validateOptions(progressOptionsSchema, options, 'progressTracker() options');
  const scheduler = parsed.scheduler ?? asyncScheduler;
  const changes = new Subject<Progress>();
  const counts = {
    total: parsed.total,
    submitted: 0,
    inFlight: 0,
    done: 0,
    succeeded: 0,
    failed: 0,
    retries: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    reasoningTokens: 0,
    refusedWaits: 0,
    longestRefusedWaitMs: 0,
    rateLimitRefusals: 0,
    capacityRefusals: 0,
    limits: undefined as LimitsInForce | undefined,
  };
  const tierSwitches: string[] = [];
  const sent = new TimeWindow();
  const finished = new TimeWindow();
  let startedAt: number | undefined;
  let endedAt: number | undefined;
  let activeRuns = 0;

  const snapshot = (): Progress => {
    const now = endedAt ?? scheduler.now();
    const elapsedMs = startedAt === undefined ? 0 : now - startedAt;
    const windowMs = Math.max(MIN_WINDOW_MS, Math.min(WINDOW_MS, elapsedMs));
    const since = now - WINDOW_MS;
    const requestsPerMinute = (sent.countSince(since) * WINDOW_MS) / windowMs;
    const recentDone = finished.countSince(since);
    const remaining = counts.total === undefined ? undefined : Math.max(0, counts.total - counts.done);
    const etaMs =
      remaining === undefined ? undefined : remaining === 0 ? 0 : recentDone === 0 ? undefined : Math.round((remaining * windowMs) / recentDone);
    return { ...counts, tierSwitches: [...tierSwitches], requestsPerMinute, elapsedMs, etaMs };
  };
  const changed = () => {
    if (changes.observed) changes.next(snapshot());
  };

  return {
    progress$: defer(() => changes.pipe(startWith(snapshot()))),
    snapshot,
    complete: () => {
      if (changes.observed) changes.next(snapshot());
      changes.complete();
    },
    runStarted: () => {
      const now = scheduler.now();
      startedAt ??= now;
      endedAt = undefined;
      activeRuns += 1;
      changed();
    },
    runEnded: () => {
      activeRuns = Math.max(0, activeRuns - 1);
      if (activeRuns === 0) endedAt = scheduler.now();
      changed();
    },
    expectTotal: (total) => {
      if (counts.total !== undefined) return;
      counts.total = total;
      changed();
    },
    promptSubmitted: () => {
      counts.submitted += 1;
      counts.inFlight += 1;
      changed();
    },
    requestSent: () => {
      sent.add(scheduler.now());
      changed();
    },
    retryScheduled: () => {
      counts.retries += 1;
      changed();
    },
    tokensUsed: (usage) => {
      counts.inputTokens += usage.inputTokens;
      counts.outputTokens += usage.outputTokens;
      counts.cachedInputTokens += usage.cachedInputTokens ?? 0;
      counts.cacheWriteInputTokens += usage.cacheWriteInputTokens ?? 0;
      counts.reasoningTokens += usage.reasoningTokens ?? 0;
      changed();
    },
    promptFinished: (ok, submitted) => {
      if (submitted) counts.inFlight -= 1;
      counts.done += 1;
      if (ok) counts.succeeded += 1;
      else counts.failed += 1;
      finished.add(scheduler.now());
      changed();
    },
    promptCancelled: () => {
      counts.inFlight -= 1;
      changed();
    },
    limitsInForce: (limits) => {
      if (sameLimits(counts.limits, limits)) return;
      counts.limits = limits;
      changed();
    },
    waitRefused: (waitMs) => {
      counts.refusedWaits += 1;
      counts.longestRefusedWaitMs = Math.max(counts.longestRefusedWaitMs, waitMs);
      changed();
    },
    refused: (kind) => {
      if (kind === 'capacity') counts.capacityRefusals += 1;
      else counts.rateLimitRefusals += 1;
      changed();
    },
    tierSwitched: (warning) => {
      tierSwitches.push(warning);
      changed();
    },
  };
}

/** True when both report the same limits from the same sources (values compared to the request or token). */
function sameLimits(a: LimitsInForce | undefined, b: LimitsInForce | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (['rpm', 'tpm', 'inputTpm', 'outputTpm'] as const).every((name) => {
    const x = a[name];
    const y = b[name];
    return x === undefined || y === undefined ? x === y : x.source === y.source && Math.round(x.value) === Math.round(y.value);
  });
}

/** Timestamps of the last minute, oldest first, pruned as they age out. */
class TimeWindow {
  private readonly times: number[] = [];
  private head = 0;

  add(time: number): void {
    this.times.push(time);
    this.prune(time - WINDOW_MS);
  }

  countSince(since: number): number {
    this.prune(since);
    return this.times.length - this.head;
  }

  private prune(since: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= since) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
  }
}
