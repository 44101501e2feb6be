import fc from 'fast-check';
import { type Subscription, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { memoryLimiterStore } from '../../src/rate-limiter/memory-limiter-store.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';

const MINUTE = 60_000;

/** One caller: when it subscribes, what it costs, whether it gives up, and what the server later reports. */
const arrival = fc.record({
  at: fc.integer({ min: 0, max: 240_000 }),
  tokens: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 60_000 })),
  limiter: fc.integer({ min: 0, max: 1 }),
  cancelAfter: fc.option(fc.integer({ min: 0, max: 90_000 }), { nil: undefined }),
  settle: fc.option(fc.record({ after: fc.integer({ min: 0, max: 30_000 }), actual: fc.integer({ min: 0, max: 8000 }) }), {
    nil: undefined,
  }),
});

const scenario = fc.record({
  rpm: fc.integer({ min: 2, max: 60 }).map((halves) => halves / 2), // 1 to 30 rpm, halves included
  burst: fc.integer({ min: 1, max: 4 }),
  tpm: fc.option(fc.integer({ min: 500, max: 20_000 }), { nil: undefined }),
  tokenBurst: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
  arrivals: fc.array(arrival, { minLength: 1, maxLength: 40 }),
  pauses: fc.array(fc.record({ at: fc.integer({ min: 0, max: 240_000 }), ms: fc.integer({ min: 1, max: 90_000 }) }), {
    maxLength: 3,
  }),
});

interface Event {
  seq: number;
  time: number;
  kind: 'release' | 'adjust';
  /** Estimated tokens of a release, or the signed correction of an adjust. */
  tokens: number;
}

describe('rateLimiter: properties (virtual time)', () => {
  it('never releases more than ceil(rpm) + burst - 1 requests in any window [t, t + 60 s); tokens below tpm + max(tokenBurst, last cost); FIFO; no deadlock', () => {
    fc.assert(
      fc.property(scenario, ({ rpm, burst, tpm, tokenBurst, arrivals, pauses }) => {
        const scheduler = new VirtualTimeScheduler();
        const store = memoryLimiterStore();
        const options = { rpm, burst, scheduler, store, key: 'shared', ...(tpm === undefined ? {} : { tpm }), ...(tokenBurst === undefined ? {} : { tokenBurst }) };
        const limiters = [rateLimiter(options), rateLimiter(options)]; // two "processes" on one store
        const events: Event[] = [];
        let seq = 0;
        const subscribed: number[][] = [[], []];
        const granted: number[][] = [[], []];
        const cancelled = new Set<number>();

        arrivals.forEach((request, id) => {
          scheduler.schedule(() => {
            subscribed[request.limiter]!.push(id);
            let done = false;
            const subscription: Subscription = limiters[request.limiter]!.acquire({ tokens: request.tokens }).subscribe((reservation) => {
              done = true;
              granted[request.limiter]!.push(id);
              events.push({ seq: seq++, time: scheduler.now(), kind: 'release', tokens: request.tokens });
              const { settle } = request;
              if (settle === undefined) return;
              scheduler.schedule(() => {
                if (tpm !== undefined) events.push({ seq: seq++, time: scheduler.now(), kind: 'adjust', tokens: settle.actual - request.tokens });
                reservation.settle(settle.actual);
              }, settle.after);
            });
            if (request.cancelAfter !== undefined) {
              scheduler.schedule(() => {
                if (!done) cancelled.add(id);
                subscription.unsubscribe();
              }, request.cancelAfter);
            }
          }, request.at);
        });
        for (const { at, ms } of pauses) scheduler.schedule(() => limiters[0]!.pause(ms), at);
        scheduler.flush();

        // Liveness and FIFO: everyone who did not give up got a turn, each limiter in subscription order.
        for (const index of [0, 1]) expect(granted[index]).toEqual(subscribed[index]!.filter((id) => !cancelled.has(id)));

        const releases = events.filter((event) => event.kind === 'release');
        const requestBound = Math.ceil(rpm) + burst - 1;
        for (const start of releases) {
          const inWindow = releases.filter((event) => event.time >= start.time && event.time < start.time + MINUTE);
          expect(inWindow.length).toBeLessThanOrEqual(requestBound);
        }

        if (tpm === undefined) return;
        const bucket = tokenBurst ?? tpm / 60;
        // For every window start and every release j inside [start, start + 60 s): the tokens reserved in the window
        // up to j, plus corrections recorded in it before j, stay below tpm + max(tokenBurst, cost of j).
        for (const start of events) {
          let sum = 0;
          for (const event of events) {
            if (event.time < start.time) continue;
            if (event.time >= start.time + MINUTE) break;
            sum += event.tokens;
            if (event.kind === 'release') expect(sum).toBeLessThan(tpm + Math.max(bucket, event.tokens));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
