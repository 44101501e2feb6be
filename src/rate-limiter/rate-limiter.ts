import { asyncScheduler, Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/llm-error.js';
import { Fifo } from '../internal/fifo.js';
import type { RateLimitInfo } from '../types.js';
import { schedulerSchema, validateOptions } from '../internal/validate-options.js';
import { compact } from '../internal/compact.js';
import { AdaptivePace } from './adaptive-pace.js';
import { AutoPace, type AutoBudget, START_RPM } from './auto-pace.js';
import { GRID_EPSILON_MS } from './gcra.js';
import { memoryLimiterStore } from './memory-limiter-store.js';
import { pauseFromInfo, refusalVerdict } from './pause-rule.js';
import { decayedCount, type MaybePromise, type RateLimiterStore, type RateLimits, type ReserveRequest, type ReserveResult, type TokenParts } from './rate-limiter-store.js';
import type { LimitSource, LimitsInForce, RateLimiter, RefusalOptions, RequestCost, Reservation } from './rate-limiter-types.js';

/**
 * Options of `rateLimiter`.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, openai, rateLimiter, type RateLimiterOptions } from 'rxllm';
 * const options: RateLimiterOptions = { rpm: 500, tpm: 200_000, burst: 5 };
 * const limiter = rateLimiter(options);
 * from(['Say hi.', 'Say hello.'])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' }), { limiter }))
 *   .subscribe((result) => console.log(result.index, result.ok));
 * ```
 */
export interface RateLimiterOptions {
  /**
   * Requests per minute: a number is an exact ceiling (requests are spaced `60_000 / rpm` ms apart after the burst);
   * `'auto'` sets no ceiling and paces at what the key has left, learned from each response's headers (see
   * `rateLimiter`).
   */
  rpm: number | 'auto';
  /** Tokens per minute (a ceiling, or `'auto'`); omit to count requests only. Each request's token cost is reserved before it is sent. */
  tpm?: number | 'auto';
  /** Input tokens per minute, a separate input budget where a provider has one (a ceiling, or `'auto'`); counts `RequestCost.inputTokens`. */
  inputTpm?: number | 'auto';
  /** Output tokens per minute, a separate output budget where a provider has one (a ceiling, or `'auto'`); counts `RequestCost.outputTokens`. */
  outputTpm?: number | 'auto';
  /**
   * Requests that may be released back to back from idle. With the default, every request waits a full
   * emission interval after the previous one, and no 60-second window holds more than `rpm` releases (on the
   * limiter's clock; see `rateLimiter` for late timers). Above 60,000 rpm the default is one millisecond's worth of
   * turns (`floor(rpm / 60_000)`): a timer cannot wake sooner than a millisecond, so a turn due in a few microseconds
   * would otherwise sleep a whole one, and the limit would hold the pipeline below itself.
   * @defaultValue `1`, or `floor(rpm / 60_000)` above 60,000 rpm
   */
  burst?: number;
  /**
   * Tokens that may be released back to back from idle (the token bucket's capacity). A request costing more
   * waits until the token budget is idle, then goes alone.
   * @defaultValue `tpm / 60` (one second of the token budget)
   */
  tokenBurst?: number;
  /** Clock and timer source. @defaultValue `asyncScheduler` */
  scheduler?: SchedulerLike;
  /** Where the state lives; share one store (and `key`) to share one budget. @defaultValue a new `memoryLimiterStore()` */
  store?: RateLimiterStore;
  /** The budget's name in the store. @defaultValue `'rxllm'` */
  key?: string;
}

const limitSchema = z.union([z.number().positive(), z.literal('auto')]);

const optionsSchema = z.strictObject({
  rpm: limitSchema,
  tpm: limitSchema.optional(),
  inputTpm: limitSchema.optional(),
  outputTpm: limitSchema.optional(),
  burst: z.number().int().min(1).optional(),
  tokenBurst: z.number().min(0).optional(),
  scheduler: schedulerSchema.optional(),
  store: z
    .custom<RateLimiterStore>(
      (value) => hasMethods(value, ['reserve', 'adjust', 'pauseUntil']),
      'expected a RateLimiterStore with reserve(), adjust() and pauseUntil()',
    )
    .optional(),
  key: z.string().min(1).optional(),
});

/**
 * Creates a rate limiter that any number of pipelines (and, through a shared `store`, processes) can use together.
 * Scheduling is smooth GCRA on two clocks: requests are spaced `60_000 / rpm` ms apart after a burst of `burst`,
 * and each request's token cost advances the token clock by `cost × 60_000 / tpm` ms.
 *
 * Guarantees, on the limiter's clock: no 60-second window `[t, t + 60 s)` holds more than `ceil(rpm) + burst - 1`
 * releases; the tokens
 * reserved in such a window (plus `settle` corrections made in it before its last release) stay below
 * `tpm + max(tokenBurst, c)`, `c` being the cost of the window's last release. A request costing more than
 * `tokenBurst` (even more than `tpm`) goes alone once the token budget is idle, instead of waiting forever.
 * Waiters on one limiter are served in subscription order (FIFO), so small requests never starve a big one.
 * A waiter whose timer fires late (by up to one emission interval: timer granularity, a busy event loop) is
 * released as of its due time, so lateness does not accumulate and a long run keeps the full rate; by the wall clock
 * a window may then hold one release more than on the limiter's clock.
 *
 * `acquire(cost)` is cold: on subscribe it queues, emits one `Reservation` when the caller may send, and completes;
 * unsubscribing before that leaves the queue without spending anything. `settle(actualTokens)` on the reservation
 * refunds or charges the difference from the estimate. `pause(ms)` holds every user until `now + ms` (extending,
 * never shortening, a pause in force); afterwards they resume one interval apart. `observe(info)` pauses for
 * `retryAfterMs` or until the matching reset when a remaining count is 0 (for the whole 60-second window when the
 * server gives no usable reset). A failing store fails the waiting
 * `acquire` with its error. Throws `InvalidOptionsError` naming the field for bad options.
 *
 * @param options - `rpm` (required), `tpm`, `burst` (default 1), `tokenBurst`, `scheduler`, `store`, `key`.
 * @returns A `RateLimiter`.
 *
 * @example
 * ```ts
 * import { rateLimiter } from 'rxllm';
 * const limiter = rateLimiter({ rpm: 60, tpm: 100_000 });
 * for (const name of ['a', 'b', 'c']) {
 *   limiter.acquire({ tokens: 500 }).subscribe((reservation) => {
 *     console.log(name, 'may send at', new Date().toISOString()); // a now, b a second later, c a second after b
 *     reservation.settle(320); // the server reported 320 tokens: refund the rest
 *   });
 * }
 * ```
 */
export function rateLimiter(options: RateLimiterOptions): RateLimiter {
  const parsed = validateOptions(optionsSchema, options, 'rateLimiter() options');
  const auto = new Set<AutoBudget>();
  const ceiling = (value: number | 'auto' | undefined, budget: AutoBudget): number | undefined => {
    if (value === 'auto') auto.add(budget);
    return value === 'auto' ? undefined : value;
  };
  const rpm = ceiling(parsed.rpm, 'requests');
  const tpm = ceiling(parsed.tpm, 'tokens');
  const inputTpm = ceiling(parsed.inputTpm, 'inputTokens');
  const outputTpm = ceiling(parsed.outputTpm, 'outputTokens');
  const limits: RateLimits = {
    rpm: rpm ?? Number.POSITIVE_INFINITY,
    burst: parsed.burst ?? (rpm === undefined ? 1 : Math.max(1, Math.floor(rpm / MINUTE_MS))),
    tokenBurst: parsed.tokenBurst ?? (tpm === undefined ? 0 : tpm / 60),
    ...compact({ tpm, inputTpm, outputTpm }),
  };
  const configured = { rpm, tpm, inputTpm, outputTpm };
  const queue = new TurnQueue(parsed.store ?? memoryLimiterStore(), parsed.key ?? 'rxllm', limits, parsed.scheduler ?? asyncScheduler, configured, new AutoPace(auto));
  return {
    acquire: (cost: RequestCost) => queue.acquire(cost),
    pause: (ms: number) => queue.pause(ms),
    observe: (info: RateLimitInfo | undefined) => {
      const now = queue.now();
      queue.adaptive.answer(now);
      queue.succeeded(now);
      const first = queue.auto.active && !queue.auto.hasAnswer;
      queue.auto.learn(info, now);
      const ms = pauseFromInfo(info);
      if (ms > 0) queue.pause(ms);
      if (first) queue.wake(); // the conservative start is over: the next turn need not wait out its second
    },
    refused: (info: RateLimitInfo | undefined, { sentAt, maxWaitMs = Number.POSITIVE_INFINITY }: RefusalOptions = {}) => {
      const verdict = refusalVerdict(info);
      const now = queue.now();
      const sent = typeof sentAt === 'number' ? sentAt : now;
      // 'adapt' (no budget headers at all): the item waits, and the shared pace slows once per episode of a real limit.
      if (verdict.kind === 'adapt') {
        if (queue.adaptive.refuse(now, sent, queue.ceilingAt(now), queue.episodeStartedAt, queue.scale())) {
          queue.episodeStartedAt = now;
          queue.adaptedRpm = queue.adaptive.rpm(now, queue.ceilingAt(now)); // shared with the next reserve
        }
        return;
      }
      queue.adaptive.answer(now);
      const first = queue.auto.active && !queue.auto.hasAnswer;
      queue.auto.learn(info, now);
      if (first) queue.wake();
      if (sent < queue.episodeStartedAt) return; // the latest pause or slow-down covers it
      // 'item': only the refused item waits.
      if (verdict.kind === 'pause' && verdict.ms <= maxWaitMs) queue.pause(verdict.ms);
    },
    limitsInForce: () => queue.limitsInForce(),
  };
}

/** Milliseconds in the minute that `rpm` counts over. */
const MINUTE_MS = 60_000;

/**
 * How late (ms) a waiting turn may be and still keep its slot on the grid, where the interval is shorter: timers fire
 * a millisecond or more late, so below a millisecond per turn a wake-up releases every turn due by then; a busy event
 * loop or a garbage collection delays them by several. At 4 ms, rows of 10 s at 60,000 rpm reached 98.0-98.2 % of the
 * limit on a quiet machine (bench scenario 9); at 20 ms, 99.5 %. The turns won back keep their own slots, so no
 * window holds more than the limit.
 */
const CATCH_UP_MS = 20;

/** Longest single timer (Node fires longer `setTimeout`s at once); the head simply asks again after it. */
const MAX_TIMER_MS = 2_147_483_647;

/** Names the turns of every limiter in this process (`ReserveRequest.reservation`). */
let turns = 0;

/** One subscriber waiting for its turn. */
interface Waiter {
  /** The turn's name for the store: its settlements carry it. */
  reservation: string;
  tokens: number;
  parts: TokenParts;
  subscriber: Subscriber<Reservation>;
  /** Served or failed: no longer in the queue. */
  done: boolean;
}

/**
 * The FIFO of waiters of one limiter. Only the head asks the store; when refused it sleeps the store's `waitMs`
 * on the scheduler and asks again. So a waiter that leaves has reserved nothing, and order is kept.
 */
class TurnQueue {
  private readonly waiters = new Fifo<Waiter>();
  private timer: Subscription | undefined;
  /** A `reserve` call is running (a sync loop, or an async call in flight). */
  private busy = false;
  /** Something changed while busy (a refund): ask again instead of sleeping. */
  private again = false;
  /** When the sleeping head's timer was due; set as it fires, read by the head's next ask. */
  private dueAt: number | undefined;
  /** The grid slot after the last grant, for the next head asking in the same drain loop. */
  private nextSlot: number | undefined;
  /** The time the last ask was made as of (now, or a slot on the grid). */
  private askedAt = 0;

  constructor(
    private readonly store: RateLimiterStore,
    private readonly key: string,
    private readonly limits: RateLimits,
    private readonly scheduler: SchedulerLike,
    private readonly configured: Readonly<Record<'rpm' | 'tpm' | 'inputTpm' | 'outputTpm', number | undefined>>,
    readonly auto: AutoPace,
  ) {
    this.ceilingRpm = configured.rpm ?? Number.POSITIVE_INFINITY;
    this.splitLimits = compact({ inputTpm: limits.inputTpm, outputTpm: limits.outputTpm });
    this.split = limits.inputTpm !== undefined || limits.outputTpm !== undefined;
    this.countsTokens = limits.tpm !== undefined || this.split || auto.active;
  }

  /** Some budget counts tokens (a token limit, or an `'auto'` one): else a turn's `settle` has nothing to correct. */
  private readonly countsTokens: boolean;

  /** The separate input and output limits, when set (sent with every reserve). */
  private readonly splitLimits: Pick<RateLimits, 'inputTpm' | 'outputTpm'>;
  private readonly split: boolean;

  /** The configured requests per minute (`Infinity` for `'auto'`); the pace in force (`limits.rpm`) may be lower. */
  readonly ceilingRpm: number;
  /** Slows the pace after 429s that carry no budget headers. */
  readonly adaptive = new AdaptivePace();
  /** This limiter's successes, decayed as the store decays the key's (`ReserveResult.successes`), and when counted. */
  private ownSuccesses = 0;
  private ownSuccessesAt = 0;
  /** Successes not yet reported to the store (they ride on the next reserve). */
  private unreported = 0;
  /** A decrease not yet reported to the store (it rides on the next reserve). */
  adaptedRpm: number | undefined;
  /** This limiter's share of the key's recent successes, from the store's last count (1 when it does not count). */
  private share = 1;

  /** Counts a successful answer for the store's shared count. */
  succeeded(now: number): void {
    this.ownSuccesses = decayedCount(this.ownSuccesses, this.ownSuccessesAt, now) + 1;
    this.ownSuccessesAt = Math.max(this.ownSuccessesAt, now);
    this.unreported += 1;
  }

  /** What this limiter's own answer rates are multiplied by to speak for every limiter sharing the key. */
  scale(): number {
    return 1 / this.share;
  }

  /** The pace before adapting to headerless 429s: the configured ceiling, or lower where `'auto'` budgets say so. */
  ceilingAt(now: number): number {
    return Math.min(this.ceilingRpm, this.auto.rpm(now));
  }

  /** The limits in force at the moment, and where each came from. */
  limitsInForce(): LimitsInForce {
    const now = this.scheduler.now();
    const ceiling = this.ceilingAt(now);
    const pace = this.auto.active && !this.auto.hasAnswer ? Math.min(START_RPM, ceiling) : this.adaptive.rpm(now, ceiling);
    const fromAuto = pace < this.ceilingRpm || this.configured.rpm === undefined;
    const rpmSource: LimitSource = this.adaptive.adapting || (fromAuto && this.auto.starting()) ? 'adapted' : fromAuto ? 'headers' : 'configured';
    const result: LimitsInForce = { rpm: { value: pace, source: rpmSource } };
    const tokenLimits = [
      ['tpm', 'tokens'],
      ['inputTpm', 'inputTokens'],
      ['outputTpm', 'outputTokens'],
    ] as const;
    for (const [name, budget] of tokenLimits) {
      const configured = this.configured[name];
      const learned = this.auto.learnedOf(budget);
      if (configured !== undefined) result[name] = { value: configured, source: 'configured' };
      else if (this.auto.budgets.has(budget) && learned !== undefined) result[name] = { value: learned, source: 'headers' };
    }
    return result;
  }

  now(): number {
    return this.scheduler.now();
  }

  acquire(cost: RequestCost): Observable<Reservation> {
    return new Observable<Reservation>((subscriber) => {
      const checked = checkCost(cost);
      if (checked instanceof Error) {
        subscriber.error(checked);
        return undefined;
      }
      turns += 1;
      const waiter: Waiter = { reservation: `t${turns}`, tokens: checked.tokens, parts: checked.parts, subscriber, done: false };
      const wasIdle = this.head() === undefined;
      this.waiters.push(waiter);
      if (wasIdle) this.drain();
      return () => this.leave(waiter);
    });
  }

  /**
   * When the latest pause began: a 429 to a request sent before then belongs to that episode.
   */
  episodeStartedAt = Number.NEGATIVE_INFINITY;
  /** The end of the latest pause this limiter asked for. */
  private pausedUntil = Number.NEGATIVE_INFINITY;

  pause(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return;
    const now = this.scheduler.now();
    if (now >= this.pausedUntil) this.episodeStartedAt = now; // a new pause, not an extension
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
    ignoreFailure(() => this.store.pauseUntil(this.key, now + ms, this.limits, now));
  }

  private leave(waiter: Waiter): void {
    if (waiter.done) return; // served or failed
    const wasHead = this.head() === waiter;
    waiter.done = true; // dropped lazily when it reaches the front
    if (wasHead && !this.busy) this.drain(); // the next waiter asks now, not when the old head's timer fires
  }

  /** The first waiter still waiting. */
  private head(): Waiter | undefined {
    for (let first = this.waiters.peek(); first !== undefined; first = this.waiters.peek()) {
      if (!first.done) return first;
      this.waiters.shift();
    }
    return undefined;
  }

  /**
   * Tells the store a turn's correction. The first settlement of a turn that charged tokens reaches the store even when
   * it corrects nothing (usage equal to the estimate), so a store keeping per-turn state (Redis leases) can drop it.
   */
  private adjust(tokens: number, parts: TokenParts, reservation: string, first: boolean, kick = true): void {
    const { tpm, inputTpm, outputTpm } = this.limits;
    if (tpm === undefined && inputTpm === undefined && outputTpm === undefined) return; // no token budget: nothing was charged
    const input = inputTpm === undefined ? 0 : (parts.inputTokens ?? 0);
    const output = outputTpm === undefined ? 0 : (parts.outputTokens ?? 0);
    const total = tpm === undefined ? 0 : tokens;
    if (total === 0 && input === 0 && output === 0 && !first) return;
    const now = this.scheduler.now();
    const split = input === 0 && output === 0 ? undefined : { inputTokens: input, outputTokens: output };
    const done = ignoreFailure(() => this.store.adjust(this.key, total, this.limits, now, split, reservation));
    if (!kick || (total >= 0 && input >= 0 && output >= 0)) return; // a charge only lengthens waits; the head finds out when it asks again
    if (done === undefined) this.kick();
    else void done.then(() => this.kick());
  }

  /** Something outside the store changed (the first answer of an `'auto'` start): the head asks again now. */
  wake(): void {
    this.kick();
  }

  /** When the latest turn of an `'auto'` start (before any answer) was granted. */
  private startGrantAt: number | undefined;

  /** A refund may let the head go sooner: ask again now. */
  private kick(): void {
    if (this.busy) this.again = true;
    else if (this.head() !== undefined) this.drain();
  }

  /** Asks the store for the head's turn until one is refused (then sleeps) or the store answers asynchronously. */
  private drain(): void {
    if (this.busy) {
      this.again = true;
      this.dueAt = undefined;
      return;
    }
    this.busy = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    let pending = false;
    try {
      for (let head = this.head(); head !== undefined; head = this.head()) {
        this.again = false;
        const answer = this.ask(head);
        if (answer === undefined) continue; // the store threw: that waiter failed, next
        if (isPromiseLike(answer)) {
          pending = true;
          answer.then(
            (result) => this.answered(head, result),
            (error: unknown) => this.answered(head, undefined, error),
          );
          return;
        }
        if (!this.apply(head, answer)) return;
        this.nextSlot = this.askedAt + MINUTE_MS / this.limits.rpm;
      }
      this.nextSlot = undefined; // nobody waits: a later arrival starts from now, not from a slot of this wake-up
    } finally {
      if (!pending) this.busy = false;
    }
  }

  private ask(head: Waiter): MaybePromise<ReserveResult> | undefined {
    try {
      const now = this.scheduler.now();
      if (this.auto.active && !this.auto.hasAnswer && this.startGrantAt !== undefined) {
        // The conservative start: one request a second until the first answer (which wakes the queue).
        const waitMs = this.startGrantAt + MINUTE_MS / START_RPM - now;
        if (waitMs > GRID_EPSILON_MS) {
          this.askedAt = now;
          this.dueAt = undefined;
          this.nextSlot = undefined;
          return { granted: false, waitMs };
        }
      }
      this.limits.rpm = this.adaptive.rpm(now, this.ceilingAt(now));
      const { rpm, burst, tpm, tokenBurst } = this.limits;
      const request: ReserveRequest = { rpm, burst, tpm, tokenBurst, tokens: head.tokens, reservation: head.reservation, successes: this.unreported };
      if (this.adaptedRpm !== undefined) request.adaptedRpm = this.adaptedRpm;
      this.unreported = 0;
      this.adaptedRpm = undefined;
      if (this.split) Object.assign(request, this.splitLimits, head.parts);
      return this.store.reserve(this.key, request, this.askTime());
    } catch (error) {
      this.fail(head, error);
      return undefined;
    }
  }

  /** Grants the head, or sleeps until it may ask again. Returns true when the loop should go on. */
  private apply(head: Waiter, result: ReserveResult): boolean {
    this.count(result);
    if (result.granted) {
      this.grant(head);
      return true;
    }
    // An endless wait (a clock pushed to Infinity, e.g. by a server reporting 1e308 tokens) sleeps the longest timer
    // and asks again, instead of polling every millisecond forever.
    const exactMs = result.waitMs === Number.POSITIVE_INFINITY ? MAX_TIMER_MS : Number.isFinite(result.waitMs) && result.waitMs > 0 ? Math.min(result.waitMs, MAX_TIMER_MS) : 1;
    // Due on the grid (as of the time the head asked); only the timer is rounded up to whole milliseconds.
    const dueAt = this.askedAt + exactMs;
    const waitMs = Math.max(0, Math.ceil(dueAt - this.scheduler.now() - GRID_EPSILON_MS));
    this.timer = this.scheduler.schedule(() => {
      this.timer = undefined;
      this.dueAt = dueAt;
      this.drain();
    }, waitMs);
    return false;
  }

  /**
   * The time a head asks as of: now, except for a head woken by its timer up to one emission interval late
   * (timers fire a millisecond or more after their due time, later on a busy event loop), which asks as of the due
   * time. So lateness does not add up turn after turn: releases keep to the `60_000 / rpm` grid instead of drifting
   * below the rate. After a grant the next head of the same wake-up asks as of the next slot, so every turn due by
   * now goes at this wake-up (below a millisecond per turn, one wake-up releases many). Lateness up to one interval,
   * or `CATCH_UP_MS` where the interval is shorter, is won back; a longer stall is not, so catching up never bunches
   * more than `max(2, CATCH_UP_MS / interval + 1)` releases.
   */
  private askTime(): number {
    const now = this.scheduler.now();
    const slot = this.dueAt ?? this.nextSlot;
    this.dueAt = undefined;
    this.nextSlot = undefined;
    const interval = MINUTE_MS / this.limits.rpm;
    const time = slot !== undefined && slot < now && now - slot <= Math.max(interval, CATCH_UP_MS) ? slot : now;
    this.askedAt = time;
    return time;
  }

  /** An asynchronous store answered for `head`, which may have left meanwhile. */
  private answered(head: Waiter, result: ReserveResult | undefined, error?: unknown): void {
    this.busy = false;
    if (result !== undefined) this.count(result);
    if (!head.done) {
      if (result === undefined) this.fail(head, error);
      else if (result.granted) this.grant(head);
      else if (!this.again) {
        this.apply(head, result); // sleep; nothing changed while the store was answering
        return;
      }
    } else if (result?.granted === true) {
      // The waiter left while its turn was being taken: hand its tokens back (its request slot stays spent).
      this.adjust(-head.tokens, negate(head.parts), head.reservation, true, false);
    }
    this.drain();
  }

  /** Keeps this limiter's share of the key's successes, as the store counted them. */
  private count(result: ReserveResult): void {
    const total = result.successes;
    const own = decayedCount(this.ownSuccesses, this.ownSuccessesAt, this.scheduler.now());
    if (typeof total === 'number' && Number.isFinite(total) && total > 0 && own > 0) this.share = Math.min(1, own / total);
    const { adaptedRpm, adaptedAgeMs } = result;
    if (typeof adaptedRpm === 'number' && Number.isFinite(adaptedRpm) && adaptedRpm > 0 && typeof adaptedAgeMs === 'number' && Number.isFinite(adaptedAgeMs)) {
      const now = this.scheduler.now();
      if (this.adaptive.adopt(adaptedRpm, now - Math.max(0, adaptedAgeMs), now, this.ceilingAt(now), this.scale())) this.episodeStartedAt = Math.max(this.episodeStartedAt, now - adaptedAgeMs);
    }
  }

  private grant(waiter: Waiter): void {
    waiter.done = true;
    let charged = waiter.tokens;
    let chargedParts = waiter.parts;
    let settled = false;
    const grantedAt = this.scheduler.now();
    if (this.auto.active) {
      this.auto.estimated(waiter.tokens, waiter.parts);
      if (!this.auto.hasAnswer) this.startGrantAt = grantedAt;
    }
    if (!this.countsTokens) {
      // Requests only: nothing to settle, so no closure per turn (issue 25: a grant per request).
      waiter.subscriber.next({ grantedAt, settle: settleNothing });
      waiter.subscriber.complete();
      return;
    }
    const reservation: Reservation = {
      grantedAt,
      settle: (actualTokens: number, actualParts?: TokenParts) => {
        if (typeof actualTokens !== 'number' || !Number.isFinite(actualTokens) || actualTokens < 0) return;
        const parts = checkParts(actualParts) ?? {};
        const delta = actualTokens - charged;
        const deltaParts = {
          inputTokens: parts.inputTokens === undefined ? 0 : parts.inputTokens - (chargedParts.inputTokens ?? 0),
          outputTokens: parts.outputTokens === undefined ? 0 : parts.outputTokens - (chargedParts.outputTokens ?? 0),
        };
        charged = actualTokens;
        chargedParts = { ...chargedParts, ...parts };
        this.auto.settled(actualTokens, parts);
        this.adjust(delta, deltaParts, waiter.reservation, !settled);
        settled = true;
      },
    };
    waiter.subscriber.next(reservation);
    waiter.subscriber.complete();
  }

  private fail(waiter: Waiter, error: unknown): void {
    waiter.done = true;
    waiter.subscriber.error(error);
  }
}

/** A turn's `settle` where no budget counts tokens. */
function settleNothing(): void {}

function checkCost(cost: RequestCost | undefined): { tokens: number; parts: TokenParts } | InvalidOptionsError {
  const fields = (cost === undefined ? { tokens: 0 } : cost) as Partial<Record<'tokens' | 'inputTokens' | 'outputTokens', unknown>> | null;
  const tokens: unknown = fields?.tokens;
  if (typeof tokens !== 'number' || !Number.isFinite(tokens) || tokens < 0) {
    return new InvalidOptionsError(`RateLimiter.acquire() cost.tokens: expected a finite number >= 0, got ${String(tokens)}`);
  }
  if (fields?.inputTokens === undefined && fields?.outputTokens === undefined) return { tokens, parts: NO_PARTS };
  const parts: TokenParts = {};
  for (const name of ['inputTokens', 'outputTokens'] as const) {
    const value = fields?.[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      return new InvalidOptionsError(`RateLimiter.acquire() cost.${name}: expected a finite number >= 0, got ${String(value)}`);
    }
    parts[name] = value;
  }
  return { tokens, parts };
}

/** A cost without input and output parts (shared: never written). */
const NO_PARTS: TokenParts = Object.freeze({});

/** The usable parts of a settle's figures (finite, 0 or more); `undefined` when none. */
function checkParts(parts: TokenParts | undefined): TokenParts | undefined {
  if (typeof parts !== 'object' || parts === null) return undefined;
  const usable: TokenParts = {};
  for (const name of ['inputTokens', 'outputTokens'] as const) {
    const value = parts[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) usable[name] = value;
  }
  return usable;
}

function negate(parts: TokenParts): TokenParts {
  return compact({ inputTokens: parts.inputTokens === undefined ? undefined : -parts.inputTokens, outputTokens: parts.outputTokens === undefined ? undefined : -parts.outputTokens });
}

function hasMethods(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
}

function isPromiseLike<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Runs a store call whose failure must not break the caller; returns its promise when it is asynchronous. */
function ignoreFailure(call: () => MaybePromise<void>): PromiseLike<void> | undefined {
  try {
    const result = call();
    if (!isPromiseLike(result)) return undefined;
    return Promise.resolve(result).catch(() => undefined);
  } catch {
    return undefined;
  }
}
