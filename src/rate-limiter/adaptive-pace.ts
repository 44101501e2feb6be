/** Milliseconds in the minute that request rates are counted over. */
const MINUTE_MS = 60_000;
/** Width of one counting bucket. */
const BUCKET_MS = 100;
/** Buckets kept: one minute. */
const BUCKETS = MINUTE_MS / BUCKET_MS;
/** The recent span whose refusal share decides whether a 429 is a limit or noise, and whose send rate is halved. */
export const RECENT_MS = 5_000;
/** A refusal share below this in the recent span is noise (a gateway's odd refusal), not a limit: no slow-down. */
export const NOISE_SHARE = 0.1;
/** Fewer refusals than this in the recent span are noise too, however small the sample. */
export const MIN_REFUSALS = 3;
/** The multiplicative decrease of one episode. */
export const DECREASE = 0.5;
/** Past the rate it recovers to after a decrease, the pace grows by this share of that rate per minute. */
export const PROBE_PER_MINUTE = 0.01;
/** The pace never adapts below this (requests per minute). */
export const MIN_RPM = 1;
/**
 * A decrease lands no lower than this share of the rate the server demonstrably let through (a little under it, so a
 * fixed window's edges do not refuse the pace's own requests).
 */
export const FLOOR_SHARE = 0.95;
/** The shortest time since the first refusal whose successes measure what the server lets through. */
export const MEASURE_MS = 1_000;
/** Successes since the first refusal that make its rate a measurement (fewer: the server let next to nothing through). */
export const MIN_SUCCESSES = 10;

/**
 * Adaptive pacing from 429s that carry no budget headers. One decrease per episode: an episode starts with a
 * decrease, and only a refusal of a request sent after it can start the next. A refusal is taken for a limit only when
 * refusals are at least `NOISE_SHARE` of the answers of the last `RECENT_MS` (and at least `MIN_REFUSALS`); fewer
 * are per-request noise.
 *
 * A decrease halves the recent send rate (or the pace, if lower), but never goes below `FLOOR_SHARE` of the rate the
 * server demonstrably lets through (`demonstratedRpm`, measured so that a first window's burst is not read as a
 * minute's worth, nor a bucket's initial reserve as its refill), so random refusals cannot collapse the pace. After a
 * hold of `RECENT_MS` the pace recovers towards just under the rate that drew the refusals (`targetRpm`), fast while
 * far below it and slowly near it (the gap shrinks by 1 - 1/e every `RECENT_MS`), then probes past it by
 * `PROBE_PER_MINUTE` a minute: a halving that overshot downwards is won back in seconds, and a deep bucket that shows
 * the pace is above its refill only once its reserve is spent is not overrun far meanwhile. Any refusal, noise
 * included, holds the growth for `RECENT_MS` again.
 *
 * Measured in virtual time (spec/rate-limiter/adaptive-pace.test.ts): a 100-per-second fixed window (bench scenario
 * 8) at 95 % of the limit with no refusal after its first two windows; a token bucket of the same at its refill, none
 * refused; a one-minute window of 1,000 at 98.5 % with 0.4 % refused after the first two minutes. A linear recovery
 * capped at the rate measured at the decrease stayed at 73 % where an early halving overshot downwards (under load,
 * or with windows the measurement splits unevenly). Time comes from the caller (the limiter's scheduler), so virtual
 * time drives it.
 *
 * **Shared budgets** (issue 22). The pace a limiter passes to its store spaces the *shared* request clock, but the
 * answers it counts are only its own; with several limiters on one store (one Redis budget, or one
 * `memoryLimiterStore` in a process) each would pace everyone at its own share, and the slowest pace would rule the
 * shared clock. Two things ride on the `reserve` calls a limiter makes anyway (no extra store call):
 * - the store keeps a decayed count of the key's successes (each limiter reports its own since its last reserve,
 *   `ReserveRequest.successes`); a limiter's share is its own decayed count over the key's, and its measured rates
 *   (the recent send rate, the demonstrated rate of the floor, the rate that drew the refusals) are divided by that
 *   share (`scale`) before a decrease;
 * - a decrease is reported to the store (`adaptedRpm`), which answers the latest to every limiter of the key; a
 *   limiter takes a decrease newer than its own (`adopt`), so all pace alike and recover from the same moment
 *   (each towards the target its own scaled measurement gives).
 * The episodes stay per limiter (each sees its own refusals), but an adopted decrease opens one for everyone.
 */
export class AdaptivePace {
  private readonly epochs = new Float64Array(BUCKETS).fill(-1);
  private readonly answered = new Float64Array(BUCKETS);
  private readonly refusals = new Float64Array(BUCKETS);
  /** The pace set by the latest decrease; `undefined` while not adapted. */
  private adapted: number | undefined;
  /** When the latest decrease happened (the start of the current episode). */
  private decreasedAt = Number.NEGATIVE_INFINITY;
  /** The adapted pace grows from this time on (after a decrease or a refusal, a hold of `RECENT_MS`). */
  private growthFrom = Number.NEGATIVE_INFINITY;

  /** Counts a successful answer at `now`. */
  answer(now: number): void {
    this.bucket(now, this.answered);
  }

  /**
   * Counts a refusal at `now` of a request sent at `sentAt`, and decreases the pace when it opens a new episode of a
   * real limit. `ceiling` is the pace in force before adapting; a request sent before `episodeStartedAt` (the latest
   * decrease or pause) belongs to that episode; `scale` turns this limiter's rates into the key's (see the class).
   * Returns true when it decreased.
   */
  refuse(now: number, sentAt: number, ceiling: number, episodeStartedAt = this.decreasedAt, scale = 1): boolean {
    this.firstRefusalAt = Math.min(this.firstRefusalAt, now);
    this.bucket(now, this.answered);
    this.bucket(now, this.refusals);
    if (this.decrease(now, sentAt, ceiling, episodeStartedAt, scale)) return true;
    if (this.adapted !== undefined) {
      // A refusal at the adapted pace, too few to decrease it: the pace is near the limit, so it stops climbing.
      this.adapted = this.rpm(now, ceiling);
      this.growthFrom = now + RECENT_MS;
    }
    return false;
  }

  private decrease(now: number, sentAt: number, ceiling: number, episodeStartedAt: number, scale: number): boolean {
    if (sentAt < Math.max(episodeStartedAt, this.decreasedAt)) return false; // that episode already slowed down for it
    const answered = this.sum(this.answered, now, RECENT_MS);
    const refused = this.sum(this.refusals, now, RECENT_MS);
    if (refused < MIN_REFUSALS || refused < NOISE_SHARE * answered) return false;
    const current = this.rpm(now, ceiling);
    const observedMs = Math.max(BUCKET_MS, now - this.firstAt);
    const recentRpm = (scale * answered * MINUTE_MS) / Math.min(RECENT_MS, observedMs);
    const demonstrated = scale * this.demonstratedRpm(now);
    const halved = Math.min(current, recentRpm) * DECREASE;
    const next = Math.min(current, Math.max(MIN_RPM, FLOOR_SHARE * demonstrated, halved));
    this.targetRpm = this.target(now, next, current, scale);
    this.adapted = next;
    this.decreasedAt = now;
    this.growthFrom = now + RECENT_MS;
    return true;
  }

  /** Where a decrease to `next` from `current` recovers to (see `targetRpm`). */
  private target(now: number, next: number, current: number, scale: number): number {
    // The send rate that drew the refusals: over the last `MEASURE_MS` (a longer span would mix in a slower start).
    const lastSpanMs = Math.min(MEASURE_MS, Math.max(BUCKET_MS, now - this.firstAt));
    const drewRpm = (scale * this.sum(this.answered, now, lastSpanMs) * MINUTE_MS) / lastSpanMs;
    return Math.max(next, FLOOR_SHARE * Math.min(current, drewRpm));
  }

  /**
   * Takes the decrease to `rpm` that another limiter sharing the key made at `at` (on this limiter's clock), when it is
   * newer than this one's latest: the same pace from the same moment, recovering towards the target this limiter's own
   * measurement gives (`ceiling` and `scale` as for `refuse`). Returns true when it took it.
   */
  adopt(rpm: number, at: number, now: number, ceiling: number, scale = 1): boolean {
    if (!(at > this.decreasedAt)) return false;
    const next = Math.max(MIN_RPM, rpm);
    this.targetRpm = this.target(now, next, this.rpm(now, ceiling), scale);
    this.adapted = next;
    this.decreasedAt = at;
    this.growthFrom = at + RECENT_MS;
    return true;
  }

  /**
   * The rate (per minute) the server demonstrably lets through: the successes since the first refusal over that time
   * (up to a minute), once that is `MEASURE_MS` long and holds `MIN_SUCCESSES` — what a limit lets through once its
   * first burst is spent (a token bucket's refill, a sliding or fixed window's share); before that, or when a long
   * window let nothing through since (a minute's budget spent in its first seconds), the successes since the first
   * answer over that time, up to a minute.
   */
  private demonstratedRpm(now: number): number {
    const sinceRefusalBuckets = Math.min(BUCKETS, Math.floor((now - this.firstRefusalAt) / BUCKET_MS));
    if (sinceRefusalBuckets * BUCKET_MS >= MEASURE_MS) {
      const spanMs = sinceRefusalBuckets * BUCKET_MS;
      const succeeded = this.successes(now, spanMs);
      if (succeeded >= MIN_SUCCESSES) return (succeeded * MINUTE_MS) / spanMs;
    }
    const observedMs = Math.min(MINUTE_MS, Math.max(MEASURE_MS, now - this.firstAt));
    return (this.successes(now, MINUTE_MS) * MINUTE_MS) / observedMs; // every bucket kept is within the minute
  }

  private successes(now: number, spanMs: number): number {
    return this.sum(this.answered, now, spanMs) - this.sum(this.refusals, now, spanMs);
  }

  /**
   * Where the pace recovers to: just under the rate that drew the latest episode's refusals (the lower of the pace
   * and the send rate then), or the decreased pace if that is higher. Past it the pace only probes.
   */
  private targetRpm = Number.POSITIVE_INFINITY;

  /** The pace at `now`: `ceiling`, or the adapted pace recovering towards it. */
  rpm(now: number, ceiling: number): number {
    if (this.adapted === undefined) return ceiling;
    const grown = grow(this.adapted, this.targetRpm, Math.max(0, now - this.growthFrom));
    if (grown < ceiling) return grown;
    this.adapted = undefined; // recovered
    return ceiling;
  }

  /** True while the pace is below the ceiling because of 429s. */
  get adapting(): boolean {
    return this.adapted !== undefined;
  }

  private firstAt = Number.POSITIVE_INFINITY;
  private firstRefusalAt = Number.POSITIVE_INFINITY;

  private bucket(now: number, counts: Float64Array): void {
    this.firstAt = Math.min(this.firstAt, now);
    const epoch = Math.floor(now / BUCKET_MS);
    const slot = ((epoch % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.answered[slot] = 0;
      this.refusals[slot] = 0;
    }
    counts[slot] = (counts[slot] ?? 0) + 1;
  }

  /** Sum of `counts` over the last `spanMs` before `now` (whole buckets). */
  private sum(counts: Float64Array, now: number, spanMs: number): number {
    const last = Math.floor(now / BUCKET_MS);
    const first = last - Math.ceil(spanMs / BUCKET_MS) + 1;
    let total = 0;
    for (let epoch = Math.max(first, last - BUCKETS + 1); epoch <= last; epoch++) {
      const slot = ((epoch % BUCKETS) + BUCKETS) % BUCKETS;
      if (this.epochs[slot] === epoch) total += counts[slot] ?? 0;
    }
    return total;
  }
}

/**
 * `from` grown over `ms` towards `target`, closing the gap by 1 - 1/e every `RECENT_MS` (fast while far below, slow
 * near it), and probing past it by `PROBE_PER_MINUTE` of it per minute (a limit that refuses only once a deep reserve
 * is spent shows it late, so the pace must not run far above it meanwhile; a limit that rose is still found).
 */
function grow(from: number, target: number, ms: number): number {
  const approached = from < target ? target - (target - from) * Math.exp(-ms / RECENT_MS) : from;
  return approached + ((Math.max(from, target) * PROBE_PER_MINUTE) / MINUTE_MS) * ms;
}
