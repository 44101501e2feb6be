import { type SchedulerAction, type SchedulerLike, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';

const MINUTE = 60_000;

/** Awkward and high limits: non-integer intervals (5820 → 10.31 ms, 13 337 → 4.4987 ms) and sub-millisecond ones. */
const RPMS = [60, 997, 1200, 5820, 7000, 13_337, 60_000, 120_000, 300_000, 1e6, 1e7, 1e8];

/** Every timer of `scheduler` fires `lateMs` after its due time, as on a real event loop. */
const lateBy = (scheduler: SchedulerLike, lateMs: number): SchedulerLike => ({
  now: () => scheduler.now(),
  schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T) => scheduler.schedule(work, delay + lateMs, state),
});

/** Enough turns that the run lasts at least 100 ms of virtual time (2 000 at least). */
const turnsFor = (rpm: number) => Math.max(2_000, Math.ceil((rpm * 100) / MINUTE));

/** Release times of `count` turns all asked for at 0. */
function releaseTimes(rpm: number, count: number, lateMs: number): number[] {
  const virtual = new VirtualTimeScheduler();
  const limiter = rateLimiter({ rpm, scheduler: lateMs === 0 ? virtual : lateBy(virtual, lateMs) });
  const times: number[] = [];
  for (let i = 0; i < count; i++) limiter.acquire({ tokens: 0 }).subscribe(() => times.push(virtual.now()));
  virtual.flush();
  return times;
}

/** Requests per minute between the first and the last release. */
function achievedRpm(times: readonly number[]): number {
  return ((times.length - 1) * MINUTE) / (times.at(-1)! - times[0]!);
}

/** Most releases in any window [t, t + 60 s) starting at a release. */
function busiestMinute(times: readonly number[]): number {
  let most = 0;
  let end = 0;
  for (let start = 0; start < times.length; start++) {
    while (end < times.length && times[end]! < times[start]! + MINUTE) end++;
    most = Math.max(most, end - start);
  }
  return most;
}

/** The default burst: 1, or a millisecond's worth of turns above 60 000 rpm (the documented default). */
const defaultBurst = (rpm: number) => Math.max(1, Math.floor(rpm / MINUTE));

describe('rateLimiter: exact pacing at any rpm (virtual time)', () => {
  for (const rpm of RPMS) {
    // Above 60 000 rpm the first millisecond's turns go at once (the default burst); the rate after them is exact.
    it(`rpm ${rpm}: achieves at least 99 % of the limit and never more, with no 60 s window above it`, () => {
      const times = releaseTimes(rpm, turnsFor(rpm), 0);
      expect(times).toHaveLength(turnsFor(rpm));
      const achieved = achievedRpm(times.slice(defaultBurst(rpm) - 1));
      expect(achieved).toBeGreaterThanOrEqual(0.99 * rpm);
      expect(achieved).toBeLessThanOrEqual(rpm);
      expect(busiestMinute(times)).toBeLessThanOrEqual(Math.ceil(rpm) + defaultBurst(rpm) - 1);
    });

    it(`rpm ${rpm}: timers firing 1 ms late still keep at least 99 % of the limit, never more`, () => {
      const times = releaseTimes(rpm, turnsFor(rpm), 1);
      expect(times).toHaveLength(turnsFor(rpm));
      const achieved = achievedRpm(times.slice(defaultBurst(rpm) - 1));
      expect(achieved).toBeGreaterThanOrEqual(0.99 * rpm);
      expect(achieved).toBeLessThanOrEqual(rpm);
    });
  }
});

