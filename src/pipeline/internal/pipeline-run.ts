import { catchError, type MonoTypeOperatorFunction, Observable, throwError } from 'rxjs';
import { isLlmError, type LlmError } from '../../errors/llm-error.js';
import { isCapacityError, isUnsupportedTierError } from '../../errors/tier-errors.js';
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
  /** Its attempts refused for lack of capacity at its service tier (`tierFallback.afterRefusals` counts these). */
  capacityRefusals: number;
  /** It was re-sent at the fallback tier after its model turned out to lack the tier asked for (once per prompt). */
  tierSwitched?: boolean;
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
  /**
   * Makes one attempt with a granted turn; `inputTokens` is the request's input estimate; `request` is what to send
   * (the resolved request, at the fallback tier when `tierFallback` says so).
   */
  send: (reservation: Reservation, inputTokens: number, request: ProviderRequest) => Observable<T>;
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
  /** `tierFallback.deadline` on the scheduler's clock. */
  private readonly deadlineAt: number | undefined;
  /** Models switched to the fallback tier for the rest of the run (they lack the tier asked for). */
  private readonly switchedModels = new Set<string>();
  /** One operator for every prompt: `retryWithBackoff` keeps its state per subscription. */
  private readonly retry: MonoTypeOperatorFunction<unknown>;

  constructor(readonly settings: PipelineSettings) {
    const { scheduler } = settings;
    this.limiter = settings.limiter ?? defaultLimiter(settings);
    this.progress = settings.progress ?? (settings.onProgress === undefined ? undefined : progressTracker({ scheduler }));
    this.maxRetryAfterMs = settings.retry.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs;
    const deadline = settings.tierFallback?.deadline;
    this.deadlineAt = deadline === undefined ? undefined : deadline instanceof Date ? deadline.getTime() : scheduler.now() + deadline;
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
  request<T extends { usage?: Usage; serviceTier?: string }>(options: RequestOptions<T>): Observable<T> {
    const { request, provider, prompt } = options;
    const inputTokens = estimateInputTokens(request.messages);
    const tokens = inputTokens + (request.params.maxTokens ?? this.settings.defaultOutputTokens);
    const attempts = this.attempt(options, inputTokens, tokens).pipe(
      // cost budget: reserve the worst case per attempt, at the tier that attempt asks for
      withBudget(this.settings.budget, `${provider}/${request.model}`, () => this.tierFor(request, prompt), this.settings.defaultOutputTokens),
      this.retry as MonoTypeOperatorFunction<T>,
    );
    if (this.settings.tierFallback === undefined) return attempts;
    // A model without the tier: switched once for the run, and this prompt re-sent at once at the fallback tier.
    return attempts.pipe(catchError((error: unknown) => (this.switchTier(error, provider, request, prompt) ? this.request(options) : throwError(() => error))));
  }

  /**
   * The request an attempt sends: at `tierFallback.tier` when the request asks for another tier and its prompt was
   * refused for capacity `afterRefusals` times, the deadline has come, or its model was switched; else as resolved.
   */
  private tierFor(request: ProviderRequest, prompt: PromptState): ProviderRequest {
    const fallback = this.settings.tierFallback;
    const asked = request.params.serviceTier;
    if (fallback === undefined || asked === undefined || asked === fallback.tier) return request;
    const falls =
      this.switchedModels.has(request.model) ||
      prompt.capacityRefusals >= (fallback.afterRefusals ?? DEFAULT_AFTER_REFUSALS) ||
      (this.deadlineAt !== undefined && this.settings.scheduler.now() >= this.deadlineAt);
    return falls ? { ...request, params: { ...request.params, serviceTier: fallback.tier } } : request;
  }

  /**
   * After a prompt's final failure: true when it is an `UnsupportedTierError` for a tier other than the fallback and
   * the prompt was not re-sent for it yet; its model is then switched to the fallback tier for the rest of the run,
   * with one warning in progress per model.
   */
  private switchTier(error: unknown, provider: string, request: ProviderRequest, prompt: PromptState): boolean {
    const fallback = this.settings.tierFallback;
    const asked = request.params.serviceTier;
    if (fallback === undefined || !isUnsupportedTierError(error) || asked === undefined || asked === fallback.tier || prompt.tierSwitched === true) return false;
    prompt.tierSwitched = true;
    if (!this.switchedModels.has(request.model)) {
      this.switchedModels.add(request.model);
      this.progress?.tierSwitched?.(`${provider}/${request.model} does not offer service tier "${asked}": sent at "${fallback.tier}" for the rest of the run`);
    }
    return true;
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
    if (this.progress !== undefined && this.limiter.limitsInForce !== undefined) this.progress.limitsInForce?.(this.limiter.limitsInForce());
  }

  /**
   * The pause rule, for one failed attempt: only a 429 concerns the other prompts, and the limiter decides from the
   * 429's own rate-limit headers (`RateLimiter.refused`); other failures delay only their item, and so does a capacity
   * refusal (`CapacityError`, counted on `prompt` for `tierFallback.afterRefusals`). A limiter without
   * `refused` pauses for the 429's retry-after.
   */
  pauseFor(error: unknown, reservation?: Reservation, prompt?: PromptState): void {
    if (!isLlmError(error)) return;
    if (isCapacityError(error)) {
      // A capacity refusal concerns its item only: the key's budget is not spent. Counted apart from rate limits.
      if (prompt !== undefined) prompt.capacityRefusals += 1;
      this.progress?.refused?.('capacity');
      return;
    }
    if (error.status !== 429) {
      // Any other outcome still ends an 'auto' limiter's conservative start (a run whose first attempts all fail
      // must not stay at one request a second); it says nothing about the budget.
      this.limiter.observe(undefined);
      return;
    }
    this.progress?.refused?.('rateLimit');
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
  private attempt<T>({ prompt, index, send, onSubmitted, request }: RequestOptions<T>, inputTokens: number, tokens: number): Observable<T> {
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
          send(reservation, inputTokens, this.tierFor(request, prompt)).subscribe(subscriber);
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

/** `tierFallback.afterRefusals` when unset. */
const DEFAULT_AFTER_REFUSALS = 2;

/** A 429 with nothing to wait on: no retry-after and no rate-limit budget headers (a capacity refusal backs off instead). */
function isQuietRefusal(error: LlmError): boolean {
  return error.status === 429 && !isCapacityError(error) && error.retryAfterMs === undefined && refusalVerdict(error.rateLimit).kind === 'adapt';
}

/** Effectively no request limit, while still honouring `pause` and `observe`. */
const UNLIMITED = { rpm: 1e9, burst: 1e9 };

/** The limiter a subscription makes when none is shared: from `rpm` and `tpm` (`Infinity` meaning no limit). */
function defaultLimiter({ rpm, tpm, inputTpm, outputTpm, scheduler }: PipelineSettings): RateLimiter {
  const requests = rpm === Infinity ? UNLIMITED : { rpm };
  return rateLimiter({ ...requests, ...compact({ tpm: tpm === Infinity ? undefined : tpm, inputTpm, outputTpm }), scheduler });
}
