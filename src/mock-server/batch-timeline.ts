import { hashString, mixHash } from './hash-string.js';

/** Where a batch stands at one moment. `ended` comes with how it ended. */
export type BatchPhase = 'validating' | 'in_progress' | 'finalizing' | 'cancelling' | 'ended';

/** How a batch ended: every item ran, the window closed first (`expired`), or it was cancelled. */
export type BatchEnd = 'completed' | 'expired' | 'cancelled';

/** Share of the delay spent validating, and where processing stops (the rest is finalizing). */
const VALIDATED = 0.1;
const PROCESSED = 0.9;
/** A forced expiry closes the window halfway through processing. */
const EXPIRES = 0.5;
/** A cancel takes this share of the delay to settle (`cancelling` → `cancelled`). */
const CANCELLING = 0.1;

/**
 * The life of one mock batch over `delayMs`, computed from the clock on every read (no timers): validating for the
 * first 10 %, then the items finish one by one, evenly, in a seeded processing order that is not the input order,
 * until 90 %; finalizing until 100 %. A forced expiry ends it halfway through processing with the items finished so
 * far; a cancel keeps the items finished before it and settles a tenth of the delay later.
 */
export class BatchTimeline {
  readonly validatedAt: number;
  readonly processedAt: number;
  readonly endsAt: number;
  /** Input indices in processing order (the order of the output lines). */
  readonly order: readonly number[];
  private readonly doneAt: number[];
  private readonly expireAt: number | undefined;
  private cancelAt: number | undefined;
  private cancelEndsAt: number | undefined;

  constructor(
    readonly createdAt: number,
    private readonly delayMs: number,
    keys: readonly string[],
    seed: number,
    expires: boolean,
  ) {
    this.validatedAt = createdAt + delayMs * VALIDATED;
    const processedAt = createdAt + delayMs * PROCESSED;
    this.processedAt = processedAt;
    this.endsAt = createdAt + delayMs;
    const ranks = keys.map((key, index) => ({ index, rank: mixHash(hashString(key), seed ^ 0x2545f491) }));
    ranks.sort((a, b) => a.rank - b.rank || a.index - b.index);
    this.order = ranks.map((entry) => entry.index);
    const span = processedAt - this.validatedAt;
    this.doneAt = this.order.map((_, rank) => this.validatedAt + (span * (rank + 1)) / Math.max(1, keys.length));
    this.expireAt = expires ? this.validatedAt + span * EXPIRES : undefined;
  }

  /** The moment the batch ends (or ended), given the cancel or expiry so far. */
  get endedAt(): number {
    if (this.cancelEndsAt !== undefined && (this.expireAt === undefined || this.cancelAt! < this.expireAt)) return this.cancelEndsAt;
    return this.expireAt ?? this.endsAt;
  }

  /** When `cancel` was called, if it was. */
  get cancelledAt(): number | undefined {
    return this.cancelAt;
  }

  /** The phase at `now`. */
  phase(now: number): BatchPhase {
    if (now >= this.endedAt) return 'ended';
    if (this.cancelAt !== undefined) return 'cancelling';
    if (now < this.validatedAt) return 'validating';
    return now < this.processedAt ? 'in_progress' : 'finalizing';
  }

  /** How the batch ended, once `phase(now)` is `ended`. */
  end(): BatchEnd {
    if (this.cancelAt !== undefined && (this.expireAt === undefined || this.cancelAt < this.expireAt)) return 'cancelled';
    return this.expireAt === undefined ? 'completed' : 'expired';
  }

  /** Input indices of the items finished by `now`, in processing order. */
  finished(now: number): number[] {
    const cut = Math.min(now, this.cancelAt ?? Number.POSITIVE_INFINITY, this.expireAt ?? Number.POSITIVE_INFINITY);
    const out: number[] = [];
    for (let rank = 0; rank < this.order.length && (this.doneAt[rank] as number) <= cut; rank++) out.push(this.order[rank] as number);
    return out;
  }

  /** Input indices of the items that never finished, in processing order (after the batch ended). */
  unfinished(now: number): number[] {
    return this.order.slice(this.finished(now).length);
  }

  /** Starts cancelling at `now`; false when the batch has ended or is already cancelling. */
  cancel(now: number): boolean {
    if (this.cancelAt !== undefined || now >= this.endedAt) return false;
    this.cancelAt = now;
    this.cancelEndsAt = Math.min(this.endedAt, now + this.delayMs * CANCELLING);
    return true;
  }
}
