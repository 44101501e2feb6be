import { Observable } from 'rxjs';
import type { RateLimiter, RequestCost, Reservation } from '../../src/rate-limiter/rate-limiter-types.js';
import type { TokenParts } from '../../src/rate-limiter/rate-limiter-store.js';
import type { RateLimitInfo } from '../../src/types.js';

/** What a recording limiter saw. */
export interface LimiterLog {
  acquired: RequestCost[];
  /** Tokens passed to `settle`, in call order. */
  settled: number[];
  /** The input and output parts passed to `settle`, in call order. */
  settledParts: (TokenParts | undefined)[];
  paused: number[];
  observed: (RateLimitInfo | undefined)[];
  /** Each 429 the pipeline reported: its rate-limit headers and when its request had been sent. */
  refused: { info: RateLimitInfo | undefined; sentAt: number | undefined }[];
}

/**
 * Wraps a limiter (by default one that grants every turn at once) and records every call, so tests can check
 * what a pipeline asked of it.
 */
export function recordingLimiter(inner: RateLimiter = immediateLimiter()): RateLimiter & { log: LimiterLog } {
  const log: LimiterLog = { acquired: [], settled: [], settledParts: [], paused: [], observed: [], refused: [] };
  return {
    log,
    acquire: (cost) =>
      new Observable<Reservation>((subscriber) => {
        log.acquired.push(cost);
        return inner.acquire(cost).subscribe({
          next: (reservation) =>
            subscriber.next({
              ...(reservation.grantedAt === undefined ? {} : { grantedAt: reservation.grantedAt }),
              settle: (tokens, parts) => {
                log.settled.push(tokens);
                log.settledParts.push(parts);
                reservation.settle(tokens, parts);
              },
            }),
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      }),
    pause: (ms) => {
      log.paused.push(ms);
      inner.pause(ms);
    },
    observe: (info) => {
      log.observed.push(info);
      inner.observe(info);
    },
    refused: (info, options) => {
      log.refused.push({ info, sentAt: options?.sentAt });
      inner.refused?.(info, options);
    },
  };
}

/** Grants every turn at once; ignores pauses. */
export function immediateLimiter(): RateLimiter {
  return {
    acquire: () =>
      new Observable<Reservation>((subscriber) => {
        subscriber.next({ settle: () => undefined });
        subscriber.complete();
      }),
    pause: () => undefined,
    observe: () => undefined,
  };
}
