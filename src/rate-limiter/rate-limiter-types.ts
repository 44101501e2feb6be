import type { Observable } from 'rxjs';
import type { LimitsInForce, RateLimitInfo } from '../types.js';
import type { TokenParts } from './rate-limiter-store.js';

/**
 * What one request is expected to spend.
 *
 * @example
 * ```ts
 * import { estimateInputTokens, type RequestCost } from 'rxllm';
 * const messages = [{ role: 'user' as const, content: 'Summarise this.' }];
 * const cost: RequestCost = { tokens: estimateInputTokens(messages) + 512 }; // input estimate + maxTokens
 * console.log(cost);
 * ```
 */
export interface RequestCost extends TokenParts {
  /** Estimated tokens: input estimate + `maxTokens` (or the default output allowance). A finite number >= 0. */
  tokens: number;
}

export type { LimitInForce, LimitSource, LimitsInForce } from '../types.js';

/**
 * A granted turn. `settle` corrects the token estimate once the real usage is known (refund or charge).
 * It may be called more than once (each call sets the actual total, so the same figure twice counts once);
 * non-finite or negative figures are ignored, and without `tpm` it does nothing.
 *
 * @example
 * ```ts
 * import { rateLimiter, type Reservation } from 'rxllm';
 * const limiter = rateLimiter({ rpm: 60, tpm: 10_000 });
 * limiter.acquire({ tokens: 1_200 }).subscribe((reservation: Reservation) => {
 *   // ... send the request; the server reports 300 input + 150 output tokens:
 *   reservation.settle(450); // refunds 750 tokens to everyone sharing the limiter
 *   console.log('settled');
 * });
 * ```
 */
export interface Reservation {
  /** Sets the request's real total (and, for `inputTpm` / `outputTpm`, its real input and output parts). */
  settle(actualTokens: number, parts?: TokenParts): void;
  /** When the turn was granted, on the limiter's clock; `refused` uses it to tell an old 429 from a new one. */
  readonly grantedAt?: number;
}

/**
 * What a pipeline tells the limiter about a 429 (see `RateLimiter.refused`).
 *
 * @example
 * ```ts
 * import { rateLimiter, type RefusalOptions } from 'rxllm';
 * const limiter = rateLimiter({ rpm: 600 });
 * const options: RefusalOptions = { sentAt: 0, maxWaitMs: 60_000 };
 * limiter.refused?.({ remainingRequests: 0, resetRequestsMs: 2_000 }, options); // the budget is gone: all wait 2 s
 * console.log('paused');
 * ```
 */
export interface RefusalOptions {
  /** When the refused request was granted its turn (`Reservation.grantedAt`). */
  sentAt?: number;
  /** A pause longer than this is not taken (the refused item fails instead). @defaultValue `Infinity` */
  maxWaitMs?: number;
}

/**
 * A rate limiter shared by any number of pipelines (and, through its store, processes).
 * `acquire` is cold: it waits when subscribed, emits one `Reservation` when the caller may send, then completes;
 * unsubscribing before it emits gives the turn back. Made by `rateLimiter()`.
 *
 * @example
 * ```ts
 * import { rateLimiter, type RateLimiter } from 'rxllm';
 * const limiter: RateLimiter = rateLimiter({ rpm: 120 });
 * limiter.acquire({ tokens: 0 }).subscribe(() => console.log('send now'));
 * limiter.observe({ remainingRequests: 0, resetRequestsMs: 2_000 }); // the server says: wait 2 s
 * limiter.acquire({ tokens: 0 }).subscribe(() => console.log('sent after the pause'));
 * ```
 */
export interface RateLimiter {
  /** Waits for a turn (cold; FIFO among waiters); emits one `Reservation`, then completes. */
  acquire(cost: RequestCost): Observable<Reservation>;
  /** Holds every user of this limiter for `ms` (a 429, `retry-after`, or an exhausted budget). */
  pause(ms: number): void;
  /** Reads rate-limit headers from a response; pauses until reset when a remaining count is 0. */
  observe(info: RateLimitInfo | undefined): void;
  /**
   * Applies the pause rule to a 429's own rate-limit headers: a `remaining` of 0 pauses everyone; budget left delays
   * only the refused item; no budget headers at all delays the item and may slow the shared pace (adaptive: once per
   * episode, when refusals are at least 10 % of the last 5 s of answers, never below 95 % of the rate the server
   * demonstrably lets through).
   * A 429 to a request sent before the latest pause began changes nothing.
   */
  refused?(info: RateLimitInfo | undefined, options?: RefusalOptions): void;
  /** The limits in force at the moment, and where each came from. */
  limitsInForce?(): LimitsInForce;
}
