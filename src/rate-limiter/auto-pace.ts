import type { RateLimitInfo } from '../types.js';
import type { TokenParts } from './rate-limiter-store.js';

/** Milliseconds in the minute that learned budgets are paced over. */
const MINUTE_MS = 60_000;
/**
 * The conservative start of an `'auto'` budget: one request per second until the first answer arrives. Most servers
 * send their budget on that answer, and the pace is learned from it. A budget the answers do not report (a server
 * with no budget headers at all, or token headers missing beside request headers) then limits nothing: `'auto'` sets
 * no ceiling, and only 429s slow the pace (`AdaptivePace`), the run's `maxActive` bounding the requests in flight.
 */
export const START_RPM = 60;
/** Weight of the newest request in the mean tokens per request (an exponential moving average). */
const MEAN_WEIGHT = 0.2;

/** The budgets a limiter may learn: requests, tokens, and separate input and output tokens. */
export type AutoBudget = 'requests' | 'tokens' | 'inputTokens' | 'outputTokens';

/** The `RateLimitInfo` fields of each budget. */
const FIELDS = {
  requests: { limit: 'limitRequests', remaining: 'remainingRequests', reset: 'resetRequestsMs', window: 'windowRequestsMs' },
  tokens: { limit: 'limitTokens', remaining: 'remainingTokens', reset: 'resetTokensMs', window: 'windowTokensMs' },
  inputTokens: { limit: 'limitInputTokens', remaining: 'remainingInputTokens', reset: 'resetInputTokensMs', window: undefined },
  outputTokens: { limit: 'limitOutputTokens', remaining: 'remainingOutputTokens', reset: 'resetOutputTokensMs', window: undefined },
} as const;

/**
 * The pace of a limiter's `'auto'` budgets, learned from each response's rate-limit headers: a budget with
 * `remaining` left and `reset` ms until it is back is paced at `remaining / reset` per ms (never above its `limit`
 * per minute), so traffic from other processes on the same key, which the server counts in `remaining`, is accounted
 * for. Token budgets become a request pace through the mean tokens per request (settled figures once known, the
 * estimates before). A figure labelled with a window longer than a minute (a per-day request count) is not a
 * per-minute budget and is not paced from; a `remaining` of 0 is left to the pause rule. Time comes from the caller.
 */
export class AutoPace {
  /** Learned budgets per minute, by budget. */
  private readonly learned = new Map<AutoBudget, number>();
  /** Mean tokens per request, by part (estimates until a settle reports the real figure). */
  private readonly means = new Map<keyof typeof MEAN_KEYS, { estimated: number; settled: number | undefined }>();
  /** An answer has arrived. */
  private answered = false;

  /** True once an answer (with or without headers) has arrived: the conservative start is over. */
  get hasAnswer(): boolean {
    return this.answered;
  }

  constructor(readonly budgets: ReadonlySet<AutoBudget>) {}

  /** True when at least one budget is `'auto'`. */
  get active(): boolean {
    return this.budgets.size > 0;
  }

  /** What one granted request is expected to spend, for the mean tokens per request. */
  estimated(tokens: number, parts: TokenParts): void {
    if (!this.active) return;
    this.average('tokens', tokens, 'estimated');
    if (parts.inputTokens !== undefined) this.average('inputTokens', parts.inputTokens, 'estimated');
    if (parts.outputTokens !== undefined) this.average('outputTokens', parts.outputTokens, 'estimated');
  }

  /** What one request really spent. */
  settled(tokens: number, parts: TokenParts | undefined): void {
    if (!this.active) return;
    this.average('tokens', tokens, 'settled');
    if (parts?.inputTokens !== undefined) this.average('inputTokens', parts.inputTokens, 'settled');
    if (parts?.outputTokens !== undefined) this.average('outputTokens', parts.outputTokens, 'settled');
  }

  /** Learns from one answer's rate-limit info (`undefined`: the answer carried none). */
  learn(info: RateLimitInfo | undefined, now: number): void {
    if (!this.active) return;
    this.answered = true;
    for (const budget of this.budgets) {
      const rate = perMinute(info, budget);
      if (rate !== undefined) this.learned.set(budget, rate);
    }
  }

  /** The learned budget per minute, or `undefined` before headers gave one. */
  learnedOf(budget: AutoBudget): number | undefined {
    return this.learned.get(budget);
  }

  /** The request pace (per minute) the `'auto'` budgets allow at `now`; `Infinity` when none is `'auto'`. */
  rpm(now: number): number {
    if (!this.active) return Number.POSITIVE_INFINITY;
    let rpm = Number.POSITIVE_INFINITY;
    for (const budget of this.budgets) {
      const learned = this.learned.get(budget);
      // A budget the server does not report limits nothing (the limiter holds the start to one request a second).
      if (learned === undefined) continue;
      const pace = budget === 'requests' ? learned : learned / this.meanOf(budget);
      rpm = Math.min(rpm, pace);
    }
    return rpm;
  }

  /** True while some `'auto'` budget is still at its conservative start (nothing learned for it). */
  starting(): boolean {
    return this.active && this.learned.size === 0;
  }

  private meanOf(budget: Exclude<AutoBudget, 'requests'>): number {
    const mean = this.means.get(budget);
    return Math.max(1, mean === undefined ? 1 : (mean.settled ?? mean.estimated));
  }

  private average(part: keyof typeof MEAN_KEYS, tokens: number, kind: 'estimated' | 'settled'): void {
    if (!Number.isFinite(tokens) || tokens < 0) return;
    const mean = this.means.get(part) ?? { estimated: tokens, settled: undefined };
    const previous = mean[kind];
    mean[kind] = previous === undefined ? tokens : previous + MEAN_WEIGHT * (tokens - previous);
    this.means.set(part, mean);
  }
}

const MEAN_KEYS = { tokens: true, inputTokens: true, outputTokens: true } as const;

/** One budget's pace per minute from one answer's headers, or `undefined` when they give none to pace from. */
function perMinute(info: RateLimitInfo | undefined, budget: AutoBudget): number | undefined {
  if (info === undefined) return undefined;
  const fields = FIELDS[budget];
  const window = fields.window === undefined ? undefined : info[fields.window];
  if (window !== undefined && window > MINUTE_MS) return undefined; // a per-day count is no per-minute budget
  const limit = positive(info[fields.limit]);
  const remaining = info[fields.remaining];
  const reset = positive(info[fields.reset]);
  if (remaining === 0) return undefined; // exhausted: the pause rule holds everyone until the reset
  if (typeof remaining === 'number' && Number.isFinite(remaining) && remaining > 0 && reset !== undefined) {
    const rate = (remaining * MINUTE_MS) / reset;
    return limit === undefined ? rate : Math.min(rate, limit);
  }
  return limit;
}

function positive(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
