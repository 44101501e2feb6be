import fc from 'fast-check';
import { type Subscription, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { memoryLimiterStore } from '../../src/rate-limiter/memory-limiter-store.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';
import type { Reservation } from '../../src/rate-limiter/rate-limiter-types.js';

// Complements spec/rate-limiter/rate-limiter.property.test.ts with what a pipeline really does to a shared limiter:
// pauses and 429 headers from either side, re-entrant acquires from inside a grant (a retry), cancellations of other
// waiters from inside a grant, garbage costs and settlements, all interleaved at arbitrary virtual times.

const MINUTE = 60_000;

const junkNumber = fc.constantFrom(Number.NaN, -1, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
/** Virtual time bound: far beyond any wait a scenario needs (so a spinning limiter fails liveness instead of hanging). */
const MAX_FRAMES = 100_000_000;

const arrival = fc.record({
  at: fc.integer({ min: 0, max: 200_000 }),
  limiter: fc.integer({ min: 0, max: 1 }),
  tokens: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3_000 }) }, { weight: 1, arbitrary: junkNumber }),
  cancelAfter: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
  /** On grant: take another turn at once (a retry), or cancel the arrival with this id. */
  onGrant: fc.oneof(
    fc.constant<{ kind: 'none' }>({ kind: 'none' }),
    fc.record({ kind: fc.constant<'retry'>('retry'), tokens: fc.integer({ min: 0, max: 3_000 }) }),
    fc.record({ kind: fc.constant<'cancel'>('cancel'), id: fc.nat(39) }),
  ),
  settle: fc.option(fc.record({ after: fc.integer({ min: 0, max: 20_000 }), actual: fc.oneof(fc.integer({ min: 0, max: 6_000 }), junkNumber) }), { nil: undefined }),
});

const serverSignal = fc.record({
  at: fc.integer({ min: 0, max: 200_000 }),
  limiter: fc.integer({ min: 0, max: 1 }),
  how: fc.oneof(
    fc.record({ kind: fc.constant<'pause'>('pause'), ms: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 90_000 }) }, { weight: 1, arbitrary: junkNumber }) }),
    fc.record({
      kind: fc.constant<'observe'>('observe'),
      info: fc.record(
        {
          retryAfterMs: fc.oneof(fc.integer({ min: 0, max: 30_000 }), junkNumber),
          remainingRequests: fc.constantFrom(0, 1, 5, -1),
          resetRequestsMs: fc.oneof(fc.integer({ min: 0, max: 30_000 }), junkNumber),
          remainingTokens: fc.constantFrom(0, 100),
          resetTokensMs: fc.integer({ min: 0, max: 30_000 }),
        },
        { requiredKeys: [] },
      ),
    }),
  ),
});

const scenario = fc.record({
  rpm: fc.integer({ min: 2, max: 60 }).map((halves) => halves / 2),
  burst: fc.integer({ min: 1, max: 4 }),
  tpm: fc.option(fc.integer({ min: 500, max: 20_000 }), { nil: undefined }),
  arrivals: fc.array(arrival, { minLength: 1, maxLength: 40 }),
  signals: fc.array(serverSignal, { maxLength: 6 }),
});

interface Release {
  seq: number;
  time: number;
}
interface Hold {
  seq: number;
  from: number;
  until: number;
}

/** The pause an `observe(info)` call must at least apply (the limiter may not pause shorter). */
function minimumPauseOf(info: Record<string, number | undefined>): number {
  const ok = (value: number | undefined) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);
  return Math.max(ok(info.retryAfterMs), info.remainingRequests === 0 ? ok(info.resetRequestsMs) : 0, info.remainingTokens === 0 ? ok(info.resetTokensMs) : 0);
}

describe('rateLimiter: absurd figures', () => {
  it('a settlement of 1e308 tokens (a hostile server\'s usage) stalls the token budget but never makes the limiter poll every millisecond', () => {
    // Found by the property below: the token clock went to Infinity and the waiting head re-asked every 1 ms, forever.
    const scheduler = new VirtualTimeScheduler(undefined, 3_600_000);
    let actions = 0;
    const schedule = scheduler.schedule.bind(scheduler);
    scheduler.schedule = ((work: never, delay?: number, state?: never) => {
      actions += 1;
      return schedule(work, delay, state);
    }) as typeof scheduler.schedule;
    const limiter = rateLimiter({ rpm: 1_000, tpm: 100_000, scheduler });
    limiter.acquire({ tokens: 10 }).subscribe((reservation) => reservation.settle(1e308));
    let second = false;
    limiter.acquire({ tokens: 10 }).subscribe(() => (second = true));
    scheduler.flush(); // one virtual hour
    expect(second).toBe(false);
    expect(actions).toBeLessThan(5);
  });

  it('ignores pauses and settlements that are not finite positive numbers, and a pause of Infinity does not stall anyone', () => {
    const scheduler = new VirtualTimeScheduler(undefined, MAX_FRAMES);
    const limiter = rateLimiter({ rpm: 60, tpm: 6_000, scheduler });
    const times: number[] = [];
    for (const junk of [Number.NaN, -1, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) limiter.pause(junk);
    limiter.observe({ retryAfterMs: Number.POSITIVE_INFINITY, remainingRequests: 0, resetRequestsMs: Number.NaN });
    for (let i = 0; i < 3; i += 1) {
      limiter.acquire({ tokens: 10 }).subscribe((reservation) => {
        times.push(scheduler.now());
        for (const junk of [Number.NaN, -5, Number.POSITIVE_INFINITY]) reservation.settle(junk);
      });
    }
    scheduler.flush();
    // The junk is ignored; the remaining of 0 with no usable reset (nor retry-after) holds everyone for the 60 s window.
    expect(times).toEqual([60_000, 61_000, 62_000]);
  });
});

describe('rateLimiter under interleaved pipeline traffic (property, virtual time)', () => {
  it('stays within budget, releases nothing during a pause (from either limiter sharing the store), resumes one interval apart, and serves everyone who waits', () => {
    const seen = { releases: 0, heldThenReleased: 0, cancelled: 0, retries: 0, invalid: 0 };
    fc.assert(
      fc.property(scenario, ({ rpm, burst, tpm, arrivals, signals }) => {
        const scheduler = new VirtualTimeScheduler(undefined, MAX_FRAMES);
        const store = memoryLimiterStore();
        const options = { rpm, burst, scheduler, store, key: 'shared', ...(tpm === undefined ? {} : { tpm }) };
        const limiters = [rateLimiter(options), rateLimiter(options)];
        const interval = MINUTE / rpm;
        let seq = 0;
        const releases: Release[] = [];
        const holds: Hold[] = [];
        const waiting = new Map<string, Subscription>(); // subscriptions not yet granted, by id
        const granted = new Set<string>();
        const invalid = new Set<string>();
        const cancelled = new Set<string>();
        const errors: unknown[] = [];

        const take = (id: string, limiterIndex: number, tokens: number, spec: (typeof arrivals)[number] | undefined) => {
          let done = false;
          const subscription = limiters[limiterIndex]!.acquire({ tokens }).subscribe({
            next: (reservation: Reservation) => {
              done = true;
              granted.add(id);
              waiting.delete(id);
              releases.push({ seq: seq++, time: scheduler.now() });
              if (spec?.settle !== undefined) {
                const { after, actual } = spec.settle;
                scheduler.schedule(() => {
                  reservation.settle(actual);
                  reservation.settle(actual); // settling twice with the same figure counts once
                }, after);
              }
              if (spec?.onGrant.kind === 'retry') take(`${id}/retry`, limiterIndex, spec.onGrant.tokens, undefined);
              if (spec?.onGrant.kind === 'cancel') {
                const other = `a${spec.onGrant.id}`;
                const victim = waiting.get(other);
                if (victim !== undefined) {
                  cancelled.add(other);
                  waiting.delete(other);
                  victim.unsubscribe();
                }
              }
            },
            error: (error: unknown) => {
              done = true;
              waiting.delete(id);
              if (Number.isFinite(tokens) && tokens >= 0) errors.push(error);
              else invalid.add(id);
            },
          });
          if (!done) waiting.set(id, subscription);
        };

        arrivals.forEach((spec, index) => {
          const id = `a${index}`;
          scheduler.schedule(() => {
            take(id, spec.limiter, spec.tokens, spec);
            if (spec.cancelAfter !== undefined) {
              scheduler.schedule(() => {
                const subscription = waiting.get(id);
                if (subscription === undefined) return;
                cancelled.add(id);
                waiting.delete(id);
                subscription.unsubscribe();
              }, spec.cancelAfter);
            }
          }, spec.at);
        });
        for (const signal of signals) {
          scheduler.schedule(() => {
            const limiter = limiters[signal.limiter]!;
            const now = scheduler.now();
            if (signal.how.kind === 'pause') {
              limiter.pause(signal.how.ms);
              const ms = signal.how.ms;
              if (Number.isFinite(ms) && ms > 0) holds.push({ seq: seq++, from: now, until: now + ms });
            } else {
              limiter.observe(signal.how.info);
              const ms = minimumPauseOf(signal.how.info);
              if (ms > 0) holds.push({ seq: seq++, from: now, until: now + ms });
            }
          }, signal.at);
        }
        scheduler.flush();

        seen.releases += releases.length;
        seen.heldThenReleased += holds.filter((hold) => releases.some((release) => release.seq > hold.seq)).length;
        seen.cancelled += cancelled.size;
        seen.retries += [...granted].filter((id) => id.endsWith('/retry')).length;
        seen.invalid += invalid.size;

        // Invalid costs fail their own acquire, and only theirs.
        expect(errors).toEqual([]);
        for (const [index, spec] of arrivals.entries()) {
          const valid = Number.isFinite(spec.tokens) && spec.tokens >= 0;
          expect(invalid.has(`a${index}`)).toBe(!valid);
        }
        // Liveness: nobody who kept waiting is left waiting.
        expect([...waiting.keys()]).toEqual([]);
        for (const [index, spec] of arrivals.entries()) {
          const id = `a${index}`;
          const valid = Number.isFinite(spec.tokens) && spec.tokens >= 0;
          if (valid && !cancelled.has(id)) expect(granted.has(id), id).toBe(true);
        }

        // Budget: no window of 60 s holds more than ceil(rpm) + burst - 1 releases (both limiters together).
        const bound = Math.ceil(rpm) + burst - 1;
        for (const start of releases) {
          expect(releases.filter((release) => release.time >= start.time && release.time < start.time + MINUTE).length).toBeLessThanOrEqual(bound);
        }
        // A pause holds every user of the store: nothing is released after the pause call and before it ends.
        for (const hold of holds) {
          const inside = releases.filter((release) => release.seq > hold.seq && release.time < hold.until);
          expect(inside, `released during the pause [${hold.from}, ${hold.until})`).toEqual([]);
        }
        // After a pause, the waiters resume one interval apart, never all at once.
        for (const hold of holds) {
          const end = Math.max(hold.until, ...holds.filter((other) => other.seq < hold.seq && other.until > hold.from).map((other) => other.until));
          const burstAfter = releases.filter((release) => release.seq > hold.seq && release.time >= end && release.time < end + interval);
          expect(burstAfter.length).toBeLessThanOrEqual(1);
        }
      }),
      { seed: 31_337, numRuns: 300 },
    );
    // The scenarios really interleaved all of it.
    expect(seen.releases).toBeGreaterThan(1_000);
    expect(seen.heldThenReleased).toBeGreaterThan(100);
    expect(seen.cancelled).toBeGreaterThan(100);
    expect(seen.retries).toBeGreaterThan(100);
    expect(seen.invalid).toBeGreaterThan(50);
  });
});
