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
/** Recovery: the adapted pace grows by this share of itself per minute without a new episode. */
export const RECOVERY_PER_MINUTE = 0.1;
/** The pace never adapts below this (requests per minute). */
export const MIN_RPM = 1;
/**
 * A decrease lands no lower than this share of the rate the server demonstrably let through (a little under it, so a
 * fixed window's edges do not refuse the pace's own requests).
 */
export const FLOOR_SHARE = 0.95;

/**
 * Adaptive pacing from 429s that carry no budget headers (AIMD with a floor). One decrease per episode: an episode
 * starts with a decrease, and only a refusal of a request sent after it can start the next. A refusal is taken for a
 * limit only when refusals are at least `NOISE_SHARE` of the answers of the last `RECENT_MS` (and at least
 * `MIN_REFUSALS`); fewer are per-request noise. A decrease halves the recent send rate (or the pace, if lower), but
 * never goes below `FLOOR_SHARE` of the rate the server demonstrably lets through — the successes of the last minute
 * over the time they span (the time since the first answer, up to a minute) — so random refusals cannot collapse the
 * pace, and a burst the server let through in its first window is not read as a minute's worth. Between episodes
 * the pace recovers by `RECOVERY_PER_MINUTE` of itself per minute; any refusal (noise included) holds that growth for
 * `RECENT_MS`, so the pace settles just under the limit instead of climbing into refusals again.
 * Time comes from the caller (the limiter's scheduler), so virtual time drives it.
 *
 * **Shared budgets** (issue 22). The pace a limiter passes to its store spaces the *shared* request clock, but the
 * answers it counts are only its own; with several limiters on one store (one Redis budget, or one
 * `memoryLimiterStore` in a process) each would pace everyone at its own share, and the slowest pace would rule the
 * shared clock. Two things ride on the `reserve` calls a limiter makes anyway (no extra store call):
 * - the store keeps a decayed count of the key's successes (each limiter reports its own since its last reserve,
 *   `ReserveRequest.successes`); a limiter's share is its own decayed count over the key's, and its measured rates
 *   (the recent send rate, the demonstrated rate of the floor) are divided by that share (`scale`) before a decrease;
 * - a decrease is reported to the store (`adaptedRpm`), which answers the latest to every limiter of the key; a
 *   limiter takes a decrease newer than its own (`adopt`), so all pace alike and recover from the same moment.
 * The episodes stay per limiter (each sees its own refusals), but an adopted decrease opens one for everyone.
 */
export class AdaptivePace {
  private readonly epochs = new Float64Array(BUCKETS).fill(-1);
  private readonly answered = new Float64Array(BUCKETS);
  private readonly refusals = new Float64Array(BUCKETS);
  /** The pace set by the latest decrease; `undefined` while not adapted. */
  private adapted: number | undefined;
  /** When the latest decrease happened (the start of the current episode). */
  decreasedAt = Number.NEGATIVE_INFINITY;
  /** The adapted pace grows from this time on (after a decrease or a refusal, a hold of `RECENT_MS`). */
  private growthFrom = Number.NEGATIVE_INFINITY;
  /** Decreases so far. */
  decreases = 0;

  /** Counts a successful answer at `now`. */
  answer(now: number): void {
    this.bucket(now, this.answered);
  }

  /**
   * Counts a refusal at `now` of a request sent at `sentAt`, and decreases the pace when it opens a new episode of a
   * real limit. `ceiling` is the pace in force before adapting; a request sent before `episodeStartedAt` (the latest
   * decrease or pause) belongs to that episode; `scale` turns this limiter's rates into the key's (see the class). Returns true when it
   * decreased.
   */
  refuse(now: number, sentAt: number, ceiling: number, episodeStartedAt = this.decreasedAt, scale = 1): boolean {
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
    const succeeded = this.sum(this.answered, now, MINUTE_MS) - this.sum(this.refusals, now, MINUTE_MS);
    const demonstratedRpm = (scale * succeeded * MINUTE_MS) / Math.min(MINUTE_MS, observedMs);
    const next = Math.min(current, Math.max(MIN_RPM, FLOOR_SHARE * demonstratedRpm, Math.min(current, recentRpm) * DECREASE));
    this.adapted = next;
    this.decreasedAt = now;
    this.growthFrom = now + RECENT_MS;
    this.decreases += 1;
    return true;
  }

  /**
   * Takes the decrease another limiter sharing the key made at `at` (on this limiter's clock), when it is newer than
   * this one's latest: the same pace, recovering from the same time. Returns true when it took it.
   */
  adopt(rpm: number, at: number): boolean {
    if (!(at > this.decreasedAt)) return false;
    this.adapted = Math.max(MIN_RPM, rpm);
    this.decreasedAt = at;
    this.growthFrom = at + RECENT_MS;
    return true;
  }

  /** The pace at `now`: `ceiling`, or the adapted pace recovering towards it. */
  rpm(now: number, ceiling: number): number {
    if (this.adapted === undefined) return ceiling;
    const grown = this.adapted * (1 + (RECOVERY_PER_MINUTE * Math.max(0, now - this.growthFrom)) / MINUTE_MS);
    if (grown < ceiling) return grown;
    this.adapted = undefined; // recovered
    return ceiling;
  }

  /** True while the pace is below the ceiling because of 429s. */
  get adapting(): boolean {
    return this.adapted !== undefined;
  }

  private firstAt = Number.POSITIVE_INFINITY;

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
