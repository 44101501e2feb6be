import { Observable, type Subscriber, type Subscription } from 'rxjs';
import { Fifo } from '../../internal/fifo.js';
import type { Prompt } from '../../types.js';
import { PipelineRun } from './pipeline-run.js';
import type { PipelineSettings } from './pipeline-settings.js';
import { PullDemandSignal, subscribeWithDemand } from './pull-demand.js';

/**
 * The shared body of `chatEach` and `streamEach`: per subscription it makes a `PipelineRun` (limiter, progress,
 * retries, the run's phase), runs `project` for each prompt under a `maxActive` cap, tells pull sources upstream how
 * much room there is, stops reading when `onError: 'return'` stops the run, and errors with `signal.reason` when the
 * signal aborts.
 *
 * Hand-written, as a bounded merge (RxJS's `mergeInternals` with a Set): the per-prompt subscriptions sit in a Set,
 * whose removal is O(1) where an RxJS subscription's child list is O(prompts in flight); `bench/README.md`,
 * scenario 1 (CPU per request at 1,000 in flight). Pinned by `spec/pipeline/chat-each.test.ts` and
 * `stream-each.test.ts` (concurrency, order, cancellation, `onError`), `bounded-memory.test.ts`, `pipeline-http.test.ts`
 * and `callbacks-that-throw.test.ts` (a throwing `onProgress` or projection ends the run with its error).
 */
export function runPipeline<R>(
  source: Observable<Prompt>,
  settings: PipelineSettings,
  project: (prompt: Prompt, index: number, run: PipelineRun) => Observable<R>,
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const { signal } = settings;
    if (signal?.aborted === true) {
      subscriber.error(signal.reason);
      return undefined;
    }
    const merge = new BoundedMerge(subscriber, new PipelineRun(settings), project);
    merge.start(source);
    return () => merge.end();
  });
}

/** One subscription of `runPipeline`: prompts in, at most `maxActive` projections running, their values out. */
class BoundedMerge<R> {
  /** Per-prompt subscriptions running. */
  private readonly active = new Set<Subscription>();
  /** Prompts received while every slot was taken (a synchronous source delivers them all at once). */
  private readonly waiting = new Fifo<Prompt>();
  private readonly demand: PullDemandSignal;
  private readonly maxActive: number;
  private received = 0;
  private finished = 0;
  private nextIndex = 0;
  /** Re-entrancy guard of `drain` (a prompt finishing synchronously frees a slot from inside the loop). */
  private draining = false;
  private sourceSubscription: Subscription | undefined;
  private progressSubscription: Subscription | undefined;
  private readonly onAbort = () => this.subscriber.error(this.run.settings.signal?.reason);

  constructor(
    private readonly subscriber: Subscriber<R>,
    private readonly run: PipelineRun,
    private readonly project: (prompt: Prompt, index: number, run: PipelineRun) => Observable<R>,
  ) {
    this.maxActive = run.settings.maxActive;
    this.demand = new PullDemandSignal(() => (run.phase === 'reading' ? this.maxActive - (this.received - this.finished) : -Infinity));
  }

  start(source: Observable<Prompt>): void {
    const { run } = this;
    const { onProgress, signal } = run.settings;
    // A throwing `onProgress` ends the run with its error (a plain observer's throw would become an uncaughtException).
    if (onProgress !== undefined) {
      this.progressSubscription = run.progress?.progress$.subscribe((progress) => {
        try {
          onProgress(progress);
        } catch (error) {
          this.subscriber.error(error);
        }
      });
    }
    run.progress?.runStarted();
    signal?.addEventListener('abort', this.onAbort, { once: true });
    run.stopListeners.add(() => this.stopReading());
    this.sourceSubscription = subscribeWithDemand(source, this.demand, {
      next: (prompt) => {
        if (run.phase !== 'reading') return;
        this.received += 1;
        this.waiting.push(prompt);
        this.drain();
      },
      error: (error: unknown) => this.subscriber.error(error),
      complete: () => {
        if (run.phase === 'reading') run.phase = 'draining';
        this.drain();
      },
    });
    if (run.phase === 'stopped') this.sourceSubscription.unsubscribe();
  }

  /** Teardown: aborts what runs. */
  end(): void {
    const { run } = this;
    run.phase = 'ended';
    run.settings.signal?.removeEventListener('abort', this.onAbort);
    this.sourceSubscription?.unsubscribe();
    for (const inner of [...this.active]) inner.unsubscribe();
    this.active.clear();
    run.progress?.runEnded();
    this.progressSubscription?.unsubscribe();
  }

  /** The run stopped submitting: nothing waiting starts, and it completes once the prompts in flight have finished. */
  private stopReading(): void {
    this.sourceSubscription?.unsubscribe();
    this.waiting.clear();
    this.drain();
  }

  /** Starts waiting prompts while slots are free; completes once nothing more can be read and nothing runs. */
  private drain(): void {
    const { subscriber, active, waiting } = this;
    if (this.draining || subscriber.closed) return;
    this.draining = true;
    try {
      while (active.size < this.maxActive && !waiting.isEmpty() && !subscriber.closed) this.startPrompt(waiting.shift()!);
    } finally {
      this.draining = false;
    }
    if (this.run.phase !== 'reading' && active.size === 0 && waiting.isEmpty() && !subscriber.closed) subscriber.complete();
  }

  private startPrompt(prompt: Prompt): void {
    const { subscriber } = this;
    const inner = this.project(prompt, this.nextIndex++, this.run).subscribe({
      next: (value) => subscriber.next(value),
      error: (error: unknown) => subscriber.error(error),
    });
    this.active.add(inner);
    // After the prompt's own teardown (as `mergeMap` frees a slot): its request is closed before the next one starts.
    inner.add(() => {
      this.active.delete(inner);
      this.finished += 1;
      this.demand.changed();
      this.drain();
    });
  }
}
