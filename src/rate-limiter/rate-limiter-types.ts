import type { Observable } from 'rxjs';
import type { RateLimitInfo } from '../types.js';

/** What one request is expected to spend. */
export interface RequestCost {
  /** Estimated tokens: input estimate + `maxTokens` (or the default output allowance). */
  tokens: number;
}

/** A granted turn. `settle` corrects the token estimate once the real usage is known (refund or charge). */
export interface Reservation {
  settle(actualTokens: number): void;
}

/**
 * A rate limiter shared by any number of pipelines (and, through its store, processes).
 * `acquire` is cold: it waits when subscribed, emits one `Reservation` when the caller may send, then completes;
 * unsubscribing before it emits gives the turn back.
 */
export interface RateLimiter {
  acquire(cost: RequestCost): Observable<Reservation>;
  /** Holds every user of this limiter for `ms` (a 429, `retry-after`, or an exhausted budget). */
  pause(ms: number): void;
  /** Reads rate-limit headers from a response; pauses until reset when a remaining count is 0. */
  observe(info: RateLimitInfo | undefined): void;
}
