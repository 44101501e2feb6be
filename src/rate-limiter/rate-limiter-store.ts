/** A value now, or later. Stores may answer synchronously (in memory) or asynchronously (Redis). Internal. */
export type MaybePromise<T> = T | PromiseLike<T>;

/**
 * The configured rates. They travel with every store call, so a store holds only state, never configuration,
 * and limiters in several processes configured alike share one budget.
 *
 * @example
 * ```ts
 * import type { RateLimits } from 'rxllm';
 * const limits: RateLimits = { rpm: 500, burst: 1, tpm: 200_000, tokenBurst: 200_000 / 60 };
 * console.log(60_000 / limits.rpm, 'ms between requests');
 * ```
 */
export interface RateLimits {
  /** Requests per minute: one request per emission interval of `60_000 / rpm` ms. */
  rpm: number;
  /** Requests that may be released back to back from idle (an integer, at least 1). */
  burst: number;
  /** Tokens per minute, or `undefined` when tokens are not limited. */
  tpm?: number;
  /** Tokens that may be released back to back from idle: the capacity of the token bucket. */
  tokenBurst: number;
  /** Input tokens per minute (a separate input budget, where a provider has one), or `undefined` when not limited. */
  inputTpm?: number;
  /** Output tokens per minute (a separate output budget, where a provider has one), or `undefined` when not limited. */
  outputTpm?: number;
  /** Capacity of the input-token bucket. @defaultValue `inputTpm / 60` */
  inputTokenBurst?: number;
  /** Capacity of the output-token bucket. @defaultValue `outputTpm / 60` */
  outputTokenBurst?: number;
}

/**
 * The input and output parts of a token count, for the separate input and output budgets (`inputTpm`, `outputTpm`).
 *
 * @example
 * ```ts
 * import type { TokenParts } from 'rxllm';
 * const parts: TokenParts = { inputTokens: 1_200, outputTokens: 4_096 };
 * console.log(parts.inputTokens! + parts.outputTokens!);
 * ```
 */
export interface TokenParts {
  /** Input tokens (0 or more). */
  inputTokens?: number;
  /** Output tokens (0 or more). */
  outputTokens?: number;
}

/**
 * One request asking for its turn: the rates plus the tokens it is expected to spend.
 *
 * @example
 * ```ts
 * import { memoryLimiterStore, type ReserveRequest } from 'rxllm';
 * const request: ReserveRequest = { rpm: 60, burst: 1, tpm: 10_000, tokenBurst: 1_000, tokens: 800 };
 * console.log(memoryLimiterStore().reserve('org', request, Date.now())); // { granted: true, waitMs: 0 }
 * ```
 */
export interface ReserveRequest extends RateLimits, TokenParts {
  /** Estimated tokens of the request (0 or more). Ignored when `tpm` is undefined. */
  tokens: number;
  /**
   * The caller's name for this turn (unique within the process), passed again to `adjust` with its settlements, so a
   * store that keeps per-turn state (the Redis store's leases) matches each settlement to its own turn. Optional.
   */
  reservation?: string;
  /**
   * The successful answers this limiter has seen since its previous `reserve` (0 or more). With it, the store adds
   * them to the key's count and answers `successes`. Optional.
   */
  successes?: number;
  /**
   * The request pace (rpm) this limiter's adaptive slow-down just set, sent once with its next `reserve`: the store
   * keeps the latest for the key and answers it (`adaptedRpm`) to every limiter that reports `successes`. Optional.
   */
  adaptedRpm?: number;
}

/**
 * The time constant (ms) of `ReserveResult.successes`: each success counts `exp(-age / SUCCESS_DECAY_MS)`, so the
 * count reflects about the last 10 seconds. A limiter counts its own alike; the ratio is its share of the key's.
 */
export const SUCCESS_DECAY_MS = 10_000;

/** A count decayed from `at` to `now` (ages are differences of one clock). */
export function decayedCount(count: number, at: number, now: number): number {
  return count * Math.exp(-Math.max(0, now - at) / SUCCESS_DECAY_MS);
}

/**
 * A store's answer to `reserve`.
 *
 * @example
 * ```ts
 * import { memoryLimiterStore, type ReserveResult } from 'rxllm';
 * const store = memoryLimiterStore();
 * const request = { rpm: 30, burst: 1, tokenBurst: 0, tokens: 0 };
 * store.reserve('k', request, 0);
 * const second: ReserveResult = store.reserve('k', request, 0);
 * console.log(second); // { granted: false, waitMs: 2000 }
 * ```
 */
export interface ReserveResult {
  /** True when the turn was taken and the state advanced; false when nothing changed. */
  granted: boolean;
  /** When not granted: milliseconds until asking again may succeed (more than 0). 0 when granted. */
  waitMs: number;
  /**
   * Only when the request carried `successes`: the successful answers reported by every limiter sharing the key
   * (this request's included), each weighted `exp(-age / SUCCESS_DECAY_MS)`. A limiter divides its own count by it
   * to learn its share of what the server lets through.
   */
  successes?: number;
  /** Only when the request carried `successes` and some limiter of the key reported an `adaptedRpm`: the latest one. */
  adaptedRpm?: number;
  /** How long ago (ms, on the store's clock) `adaptedRpm` was reported. */
  adaptedAgeMs?: number;
}

/**
 * Owns the state of a rate limiter (per `key`), so the same budget can be shared by several limiters — in one
 * process with the in-memory store, or across processes with a shared store such as Redis.
 *
 * **The algorithm** is GCRA (generic cell rate algorithm), run twice, on a request clock and a token clock.
 * State per key: `requestTat`, `tokenTat` (theoretical arrival times, ms) and `pausedUntil` (ms), all starting at 0.
 * With `T = 60_000 / rpm`, `τ = (burst - 1) · T`, `I = 60_000 / tpm`, `B = tokenBurst`, a request of `c` tokens
 * at time `now` conforms when
 *
 * - `now >= pausedUntil`, and
 * - `requestTat - τ <= now`, and
 * - when `tpm` is set: `tokenTat - (B - min(c, B)) · I <= now` (a request larger than the whole
 *   bucket, `c > B`, therefore waits until the token clock has caught up with `now`, then goes alone).
 *
 * With `inputTpm` / `outputTpm`, two more clocks (`inputTokenTat`, `outputTokenTat`) run the same rule on the
 * request's `inputTokens` / `outputTokens` with their own bursts, and `adjust`'s `parts` correct them.
 *
 * **Contract** (a Redis implementation runs each method as one Lua script):
 *
 * - `reserve` is atomic check-and-take. If the request conforms, it sets
 *   `requestTat = max(requestTat, now) + T` and (with `tpm`) `tokenTat = max(tokenTat, now) + c · I`, and answers
 *   `{ granted: true, waitMs: 0 }`. Otherwise it changes **nothing** and answers `{ granted: false, waitMs }` with
 *   `waitMs > 0` the time until the request would conform (rounding up is fine; answering early only costs
 *   another call). Because a refusal reserves nothing, a caller that gives up never has to hand anything back.
 * - `adjust(key, tokens)` corrects a granted request's token estimate: `tokens > 0` charges
 *   (`tokenTat = max(tokenTat, now) + tokens · I`), `tokens < 0` refunds (`tokenTat = max(now, tokenTat + tokens · I)`,
 *   and nothing when `tokenTat <= now`: an idle bucket cannot be filled beyond full). No-op without `tpm`.
 *   `rateLimiter` calls it at least once for every granted turn that charged tokens (with `tokens` 0 when the usage
 *   equalled the estimate), passing the turn's `reservation` name, so a store can drop what it kept for that turn.
 * - `pauseUntil(key, untilMs)` sets `pausedUntil = max(pausedUntil, untilMs)` (a pause is extended, never shortened)
 *   and `requestTat = max(requestTat, untilMs + τ)`, so requests resume one emission interval apart rather than
 *   in a burst.
 * - `nowMs` is the caller's clock (the limiter's scheduler). A store that keeps its own clock (Redis `TIME`, to
 *   survive skew between machines) should use it instead, reading `untilMs - nowMs` as a duration; `waitMs` is a
 *   duration, so callers never need clocks that agree.
 * - Optional sharing of the adaptive pace (limiters on one key, see `AdaptivePace`): a `reserve` carrying `successes`
 *   adds them to the key's count decayed by `SUCCESS_DECAY_MS` and answers it as `successes`; one carrying
 *   `adaptedRpm` stores it as the key's latest, answered as `adaptedRpm` with its age `adaptedAgeMs`. A store without
 *   them still works; each limiter then paces from its own answers alone.
 * - Each method may return its answer directly or as a Promise. The in-memory store answers synchronously, which
 *   keeps virtual-time tests exact. A rejected `reserve` fails the waiting request; rejected `adjust` and
 *   `pauseUntil` calls are ignored by the limiter (the budget is then only approximately right).
 *
 * @example
 * ```ts
 * import { memoryLimiterStore, rateLimiter, type RateLimiterStore } from 'rxllm';
 * const store: RateLimiterStore = memoryLimiterStore();
 * // Two limiters with one store and key share one budget of 60 requests per minute, as two processes would with Redis.
 * const a = rateLimiter({ rpm: 60, store, key: 'org' });
 * const b = rateLimiter({ rpm: 60, store, key: 'org' });
 * a.acquire({ tokens: 0 }).subscribe(() => console.log('a may send'));
 * b.acquire({ tokens: 0 }).subscribe(() => console.log('b may send, a second later'));
 * ```
 */
export interface RateLimiterStore {
  /** Takes a turn for one request if it conforms now; otherwise changes nothing and says how long to wait. */
  reserve(key: string, request: ReserveRequest, nowMs: number): MaybePromise<ReserveResult>;
  /** Charges (`tokens > 0`) or refunds (`tokens < 0`) tokens of an already granted request (named `reservation`, when given). */
  adjust(key: string, tokens: number, limits: RateLimits, nowMs: number, parts?: TokenParts, reservation?: string): MaybePromise<void>;
  /** Holds every request of `key` until `untilMs`; extends an existing pause, never shortens it. */
  pauseUntil(key: string, untilMs: number, limits: RateLimits, nowMs: number): MaybePromise<void>;
}
