import { delay, from, mergeMap, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';

const createTestScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/**
 * A pipeline of `count` requests through a limiter at `rpm`, in virtual time: each answer arrives `latencyMs` after
 * its turn; `refuse(sentAt)` decides whether the server answered a headerless 429. Returns the grant times.
 */
function runAgainst(options: { rpm: number; count: number; latencyMs: number; refuse: (sentAt: number) => boolean }): number[] {
  const scheduler = createTestScheduler();
  const grants: number[] = [];
  scheduler.run(() => {
    const limiter = rateLimiter({ rpm: options.rpm, scheduler });
    from(Array.from({ length: options.count }, (_, index) => index))
      .pipe(
        mergeMap(
          () =>
            limiter.acquire({ tokens: 0 }).pipe(
              tap((reservation) => grants.push(reservation.grantedAt!)),
              delay(options.latencyMs, scheduler),
              tap((reservation) => {
                if (options.refuse(reservation.grantedAt!)) limiter.refused?.(undefined, { sentAt: reservation.grantedAt! });
                else limiter.observe(undefined);
              }),
            ),
          Infinity,
        ),
      )
      .subscribe();
  });
  return grants;
}

const gaps = (times: readonly number[]) => times.slice(1).map((time, index) => Math.round(time - times[index]!));

describe('rateLimiter: adaptive pace after 429s that carry no budget headers', () => {
  it('slows the shared pace once per episode: refusals of requests sent before the decrease do not decrease it again', () => {
    // 600 rpm (100 ms apart), answers after 1 s; the server refuses everything sent from 2 s on (a fixed window spent).
    const grants = runAgainst({ rpm: 600, count: 40, latencyMs: 1_000, refuse: (sentAt) => sentAt >= 2_000 });
    // The first refusals (sent at 2.0, 2.1, 2.2 s) arrive at 3.0–3.2 s; the third makes a limit of it (3 of 23
    // answers in 5 s): the pace halves the lower of the pace and the recent answer rate (23 answers since the first
    // at 1 s, 627 per minute): 300 rpm, 200 ms apart.
    // The requests sent before 3.2 s are refused too, but belong to that episode; the next decrease waits for the
    // refusal of the first request sent after it (at 3.3 s, answered at 4.3 s).
    const before = gaps(grants.filter((time) => time <= 3_300));
    expect(before.every((gap) => gap === 100)).toBe(true);
    const episode = gaps(grants.filter((time) => time >= 3_300 && time <= 4_300));
    expect(episode.length).toBeGreaterThan(1);
    expect(new Set(episode.slice(1)).size).toBe(1); // one pace through the whole episode
    expect(episode[1]).toBe(Math.round(60_000 / (Math.min(600, (23 * 60_000) / 2_200) / 2)));
    // The next episode slows it again.
    const later = gaps(grants.filter((time) => time > 4_300));
    expect(Math.min(...later)).toBeGreaterThan(episode[1]!);
  });

  it('never slows below what the server let through in the last minute', () => {
    const grants = runAgainst({ rpm: 600, count: 80, latencyMs: 1_000, refuse: (sentAt) => sentAt >= 2_000 && sentAt < 60_000 });
    // 20 successes (sent in the first 2 s): the pace floors at 20 per minute, 3 s apart, however many episodes.
    // (it recovers a little from the moment of the decrease, so the longest gap is just under 3 s).
    const longest = Math.max(...gaps(grants));
    expect(longest).toBeLessThanOrEqual(3_000);
    expect(longest).toBeGreaterThan(2_900);
  });

  it('takes sparse refusals (under 10 % of answers) for noise: the pace stays', () => {
    // Every 25th request refused (4 %), as a gateway's odd per-request refusal.
    let sent = 0;
    const refusedAt = new Set<number>();
    const grants = runAgainst({
      rpm: 600,
      count: 300,
      latencyMs: 1_000,
      refuse: (sentAt) => {
        sent += 1;
        if (sent % 25 !== 0) return false;
        refusedAt.add(sentAt);
        return true;
      },
    });
    expect(refusedAt.size).toBeGreaterThan(10);
    expect(gaps(grants).every((gap) => gap === 100)).toBe(true);
  });

  it('recovers over time once the refusals stop', () => {
    // Refused only between 2 s and 4 s of sending; afterwards every answer is a success.
    const grants = runAgainst({ rpm: 600, count: 400, latencyMs: 1_000, refuse: (sentAt) => sentAt >= 2_000 && sentAt < 4_000 });
    const slowest = Math.max(...gaps(grants));
    const last = gaps(grants).at(-1)!;
    expect(slowest).toBeGreaterThan(200);
    expect(last).toBeLessThan(slowest);
    expect(last).toBeGreaterThanOrEqual(100); // never above the configured ceiling
  });
});
