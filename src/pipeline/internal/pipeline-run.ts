import { type MonoTypeOperatorFunction, Observable } from 'rxjs';
import { isLlmError, type LlmError } from '../../errors/llm-error.js';
import { compact } from '../../internal/compact.js';
import { estimateInputTokens } from '../../model/estimate-tokens.js';
import type { ProviderRequest } from '../../types.js';
import { DEFAULT_RETRY, retryKeepingAlive } from '../../model/retry-with-backoff.js';
import { progressTracker, type ProgressTracker } from '../../progress/progress-tracker.js';
import { refusalVerdict, WINDOW_ESTIMATE_MS } from '../../rate-limiter/pause-rule.js';
import { rateLimiter } from '../../rate-limiter/rate-limiter.js';
import { capHeaderWaits } from './cap-header-waits.js';
import type { RateLimiter, Reservation } from '../../rate-limiter/rate-limiter-types.js';
import type { RateLimitInfo, Usage } from '../../types.js';
import type { PipelineSettings } from './pipeline-settings.js';
import { withBudget } from './with-budget.js';

/**
 * Where a run is. `reading`: the source may deliver prompts. `draining`: the source is done; prompts already read
 * still start. `stopped`: submitting nothing new (`onError: 'return'` after a failure); first attempts waiting for
 * a turn are given up. `ended`: completed, errored or unsubscribed.
 */
export type RunPhase = 'reading' | 'draining' | 'stopped' | 'ended';

/** What one prompt's requests share (its retries, and with `resumeStreams` its resumptions). */
export interface PromptState {
  /** Its first request was granted a turn and sent. */
  submitted: boolean;
  /** Requests sent for it so far. */
  sent: number;
}

/** One request of a prompt, as `PipelineRun.request` sends it. */
export interface RequestOptions<T> {
  /** The provider's id, for the budget's price look-up. */
  provider: string;
  /** The resolved request: its estimate is what each attempt's turn reserves. */
  request: ProviderRequest;
  /** The prompt the request is for. */
  prompt: PromptState;
  /** The prompt's position in the source, told to the progress recorder with each request. */
  index: number;
  /** Makes one attempt with a granted turn; `inputTokens` is the request's input estimate. */
  send: (reservation: Reservation, inputTokens: number) => Observable<T>;
  /** Called when the prompt's first request has its turn, just before it is sent; nothing is sent if this unsubscribes the attempt. */
  onSubmitted?: () => void;
}

/** What a pipeline's per-prompt projection may use: one per subscription of `chatEach` or `streamEach`. */
export class PipelineRun {
  /** See `RunPhase`. */
  phase: RunPhase = 'reading';
  readonly limiter: RateLimiter;
  readonly progress: ProgressTracker | undefined;
  /** Called once when the run stops submitting: first attempts waiting for a turn, and the source. */
  readonly stopListeners = new Set<() => void>();
  private readonly maxRetryAfterMs: number;
  /** One operator for every prompt: `retryWithBackoff` keeps its state per subscription. */
  private readonly retry: MonoTypeOperatorFunction<unknown>;

  constructor(readonly settings: PipelineSettings) {
    const { scheduler } = settings;
    this.limiter = settings.limiter ?? defaultLimiter(settings);
    this.progress = settings.progress ?? (settings.onProgress === undefined ? undefined : progressTracker({ scheduler }));
    this.maxRetryAfterMs = settings.retry.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs;
    // A 429 that says nothing (no retry-after, no budget headers) keeps its item alive until a fixed window can have
    // reset; the limiter's adaptive pace spaces its retries.
    const keepAlive = { windowMs: Math.min(WINDOW_ESTIMATE_MS, this.maxRetryAfterMs), applies: isQuietRefusal };
    this.retry = retryKeepingAlive<unknown>({ ...settings.retry, scheduler, onRetry: () => this.progress?.retryScheduled() }, keepAlive);
    this.reportLimits();
  }

  /** True while new prompts may be submitted. */
  get submitting(): boolean {
    return this.phase === 'reading' || this.phase === 'draining';
  }

  /**
   * Sends one request of a prompt: each attempt waits for a turn reserving the request's estimate, runs under the
   * run's budget, and is retried with the run's policy. A first attempt is given up, completing without a value,
   * if the run stops submitting while it waits. Cold: subscribe once.
   */
  request<T extends { usage?: Usage }>(options: RequestOptions<T>): Observable<T> {
    const { request, provider } = options;
    const inputTokens = estimateInputTokens(request.messages);
    const tokens = inputTokens + (request.params.maxTokens ?? this.settings.defaultOutputTokens);
    return this.attempt(options, inputTokens, tokens).pipe(
      withBudget(this.settings.budget, `${provider}/${request.model}`, request, this.settings.defaultOutputTokens), // cost budget: reserve the worst case per attempt
      this.retry as MonoTypeOperatorFunction<T>,
    );
  }

  /**
   * Hands a response's rate-limit info to the limiter (its pause rule), without the waits longer than
   * `maxRetryAfterMs`: those are not endured but reported to the progress tracker (issue 17: a 200's headers could
   * freeze a batch for a day).
   */
  observe(info: RateLimitInfo | undefined): void {
    const { info: capped, refusedMs } = capHeaderWaits(info, this.maxRetryAfterMs);
    if (refusedMs > 0) this.progress?.waitRefused(refusedMs);
    this.limiter.observe(capped);
    this.reportLimits();
  }

  /** Tells the progress tracker the limits in force (it emits only when they changed). */
  reportLimits(): void {
    if (this.progress !== undefined && this.limiter.limitsInForce !== undefined) this.progress.limitsInForce(this.limiter.limitsInForce());
  }

  /**
   * The pause rule, for one failed attempt: only a 429 concerns the other prompts, and the limiter decides from the
   * 429's own rate-limit headers (`RateLimiter.refused`); other failures delay only their item. A limiter without
   * `refused` pauses for the 429's retry-after.
   */
  pauseFor(error: unknown, reservation?: Reservation): void {
    if (!isLlmError(error) || error.status !== 429) return;
    this.progress?.rateLimitedAnswer();
    const { limiter, maxRetryAfterMs } = this;
    const info = error.rateLimit ?? (error.retryAfterMs === undefined ? undefined : { retryAfterMs: error.retryAfterMs });
    if (limiter.refused !== undefined) {
      limiter.refused(info, compact({ sentAt: reservation?.grantedAt, maxWaitMs: maxRetryAfterMs }));
    } else if (error.retryAfterMs !== undefined && error.retryAfterMs <= maxRetryAfterMs) limiter.pause(error.retryAfterMs);
    this.reportLimits();
  }

  /** True when a failure after retries must end the run with its error: a fatal error, or `onError: 'stop'`. */
  endsRun(error: LlmError): boolean {
    return error.fatal || this.settings.onError === 'stop';
  }

  /** Applies `onError` to a failure after retries that does not end the run: `'return'` stops submitting. */
  failed(error: LlmError): void {
    if (this.endsRun(error) || this.settings.onError !== 'return' || !this.submitting) return;
    this.phase = 'stopped';
    for (const onStop of [...this.stopListeners]) onStop();
  }

  /** One attempt: a turn from the limiter, then `send`. Subscribed once per attempt (a retry resubscribes). */
  private attempt<T>({ prompt, index, send, onSubmitted }: RequestOptions<T>, inputTokens: number, tokens: number): Observable<T> {
    return new Observable<T>((subscriber) => {
      const first = !prompt.submitted;
      if (first && !this.submitting) {
        subscriber.complete();
        return undefined;
      }
      // A first attempt's wait registers in `stopListeners` (not a Subject subscription, whose removal is O(n)).
      const onStop = first ? () => subscriber.complete() : undefined;
      if (onStop !== undefined) this.stopListeners.add(onStop);
      let granted = false;
      const turn = this.limiter.acquire({ tokens, inputTokens, outputTokens: tokens - inputTokens }).subscribe({
        next: (reservation) => {
          granted = true;
          if (onStop !== undefined) this.stopListeners.delete(onStop);
          // Stopping cancels an earlier waiter, and the limiter may hand its turn on to this one before this one's
          // own cancel arrives: a turn granted once the run has stopped is handed back unused, so 'return' sends
          // nothing new.
          if (first && !this.submitting) {
            reservation.settle(0);
            subscriber.complete();
            return;
          }
          if (first) {
            prompt.submitted = true;
            this.progress?.promptSubmitted(index);
            onSubmitted?.();
            if (subscriber.closed) {
              reservation.settle(0);
              return;
            }
          }
          prompt.sent += 1;
          this.progress?.requestSent(index);
          // The attempt's subscriber goes straight to `send`: no layer per response or stream chunk.
          send(reservation, inputTokens).subscribe(subscriber);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (!granted) subscriber.complete();
        },
      });
      return () => {
        if (onStop !== undefined) this.stopListeners.delete(onStop);
        turn.unsubscribe();
      };
    });
  }
}

/** A 429 with nothing to wait on: no retry-after and no rate-limit budget headers. */
function isQuietRefusal(error: LlmError): boolean {
  return error.status === 429 && error.retryAfterMs === undefined && refusalVerdict(error.rateLimit).kind === 'adapt';
}

/** Effectively no request limit, while still honouring `pause` and `observe`. */
const UNLIMITED = { rpm: 1e9, burst: 1e9 };

/** The limiter a subscription makes when none is shared: from `rpm` and `tpm` (`Infinity` meaning no limit). */
function defaultLimiter({ rpm, tpm, inputTpm, outputTpm, scheduler }: PipelineSettings): RateLimiter {
  const requests = rpm === Infinity ? UNLIMITED : { rpm };
  return rateLimiter({ ...requests, ...compact({ tpm: tpm === Infinity ? undefined : tpm, inputTpm, outputTpm }), scheduler });
}
