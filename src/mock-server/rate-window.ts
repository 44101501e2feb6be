import type { MockRateLimitAlgorithm } from './mock-server-options.js';

/** One server-side budget (requests or tokens) over a time window. Times are `performance.now()` milliseconds. */
export interface RateWindow {
  readonly limit: number;
  /** 0 when `cost` fits now, else the milliseconds until it would (`windowMs` when it can never fit). */
  waitMs(cost: number, now: number): number;
  /** Spends `cost` (call after `waitMs` returned 0). */
  take(cost: number, now: number): void;
  /** Budget left now. */
  remaining(now: number): number;
  /** Milliseconds until budget starts coming back (sliding window), the bucket is full (token bucket) or the window ends (fixed window). */
  resetMs(now: number): number;
}

/**
 * Simulated other traffic on the same key: spends `share` of a window's limit evenly over time (what has accrued
 * since the last call, as far as the budget allows), so that only the rest is left for the client under test.
 */
export class OtherTraffic {
  private lastAt: number | undefined;
  private owed = 0;

  constructor(
    private readonly window: RateWindow,
    private readonly share: number,
    private readonly windowMs: number,
  ) {}

  /** Spends what the other traffic has accrued by `now`. */
  spend(now: number): void {
    if (this.share === 0) return;
    if (this.lastAt !== undefined) this.owed += (this.share * this.window.limit * (now - this.lastAt)) / this.windowMs;
    this.lastAt = now;
    const spent = Math.min(this.owed, this.window.remaining(now));
    if (spent <= 0) return;
    this.window.take(spent, now);
    this.owed -= spent;
  }
}

/** Creates a requests or tokens budget of `limit` per `windowMs`. */
export function createRateWindow(algorithm: MockRateLimitAlgorithm, limit: number, windowMs: number): RateWindow {
  if (algorithm === 'token-bucket') return new TokenBucket(limit, windowMs);
  return algorithm === 'fixed-window' ? new FixedWindow(limit, windowMs) : new SlidingWindow(limit, windowMs);
}

/** `limit` per window; windows start at the first call and follow each other back to back. */
class FixedWindow implements RateWindow {
  private startedAt: number | undefined;
  private windowIndex = 0;
  private used = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
  ) {}

  waitMs(cost: number, now: number): number {
    this.roll(now);
    if (cost > this.limit) return this.windowMs;
    return this.used + cost <= this.limit ? 0 : Math.max(1, this.resetMs(now));
  }

  take(cost: number, now: number): void {
    this.roll(now);
    this.used += cost;
  }

  remaining(now: number): number {
    this.roll(now);
    return Math.max(0, this.limit - this.used);
  }

  resetMs(now: number): number {
    this.roll(now);
    const start = this.startedAt ?? now;
    return Math.max(0, Math.ceil(start + (this.windowIndex + 1) * this.windowMs - now));
  }

  private roll(now: number): void {
    this.startedAt ??= now;
    const index = Math.floor((now - this.startedAt) / this.windowMs);
    if (index === this.windowIndex) return;
    this.windowIndex = index;
    this.used = 0;
  }
}

/** Exact sliding log: the sum of costs taken in any `windowMs` never exceeds `limit`. */
class SlidingWindow implements RateWindow {
  private times: number[] = [];
  private costs: number[] = [];
  private head = 0;
  private used = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
  ) {}

  waitMs(cost: number, now: number): number {
    this.evict(now);
    if (cost > this.limit) return this.windowMs;
    const excess = this.used + cost - this.limit;
    if (excess <= 0) return 0;
    let freed = 0;
    for (let index = this.head; index < this.times.length; index++) {
      freed += this.costs[index] ?? 0;
      if (freed >= excess) return Math.max(1, Math.ceil((this.times[index] ?? now) + this.windowMs - now));
    }
    return this.windowMs;
  }

  take(cost: number, now: number): void {
    this.times.push(now);
    this.costs.push(cost);
    this.used += cost;
  }

  remaining(now: number): number {
    this.evict(now);
    return Math.max(0, this.limit - this.used);
  }

  resetMs(now: number): number {
    this.evict(now);
    const oldest = this.times[this.head];
    return oldest === undefined ? 0 : Math.max(0, Math.ceil(oldest + this.windowMs - now));
  }

  private evict(now: number): void {
    const cutoff = now - this.windowMs;
    const times = this.times;
    let head = this.head;
    while (head < times.length && (times[head] ?? 0) <= cutoff) {
      this.used -= this.costs[head] ?? 0;
      head++;
    }
    if (head > 1024 && head * 2 > times.length) {
      this.times = times.slice(head);
      this.costs = this.costs.slice(head);
      head = 0;
    }
    this.head = head;
  }
}

/** A bucket of `limit` that refills at `limit / windowMs` per ms; starts full. */
class TokenBucket implements RateWindow {
  private level: number;
  private updatedAt: number | undefined;
  private readonly perMs: number;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.level = limit;
    this.perMs = limit / windowMs;
  }

  waitMs(cost: number, now: number): number {
    this.refill(now);
    if (cost > this.limit) return this.windowMs;
    if (this.level >= cost) return 0;
    return Math.max(1, Math.ceil((cost - this.level) / this.perMs));
  }

  take(cost: number, now: number): void {
    this.refill(now);
    this.level -= cost;
  }

  remaining(now: number): number {
    this.refill(now);
    return Math.max(0, Math.floor(this.level));
  }

  resetMs(now: number): number {
    this.refill(now);
    return Math.max(0, Math.ceil((this.limit - this.level) / this.perMs));
  }

  private refill(now: number): void {
    if (this.updatedAt !== undefined) this.level = Math.min(this.limit, this.level + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }
}
