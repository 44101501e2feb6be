import { describe, expect, it } from 'vitest';
import { createRateWindow, OtherTraffic } from '../../src/mock-server/rate-window.js';

describe('createRateWindow, sliding-window', () => {
  it('admits up to the limit in any window, then says how long until the oldest entry expires', () => {
    const window = createRateWindow('sliding-window', 3, 1000);
    for (const now of [0, 100, 200]) {
      expect(window.waitMs(1, now)).toBe(0);
      window.take(1, now);
    }
    expect(window.remaining(300)).toBe(0);
    expect(window.waitMs(1, 300)).toBe(700);
    expect(window.resetMs(300)).toBe(700);
    expect(window.waitMs(1, 1000)).toBe(0);
    window.take(1, 1000);
    expect(window.waitMs(1, 1050)).toBe(50);
    expect(window.remaining(1100)).toBe(1);
  });

  it('weighs token costs and never admits a cost above the limit', () => {
    const window = createRateWindow('sliding-window', 100, 1000);
    window.take(60, 0);
    window.take(30, 500);
    expect(window.waitMs(10, 600)).toBe(0);
    expect(window.waitMs(20, 600)).toBe(400);
    expect(window.waitMs(50, 600)).toBe(400);
    expect(window.waitMs(80, 600)).toBe(900);
    expect(window.waitMs(101, 600)).toBe(1000);
  });

  it('never lets more than the limit through in any window for an arbitrary arrival pattern', () => {
    const window = createRateWindow('sliding-window', 5, 100);
    const admitted: number[] = [];
    let now = 0;
    for (let index = 0; index < 5000; index++) {
      now += (index * 7919) % 13;
      if (window.waitMs(1, now) === 0) {
        window.take(1, now);
        admitted.push(now);
      }
    }
    for (let index = 5; index < admitted.length; index++) expect(admitted[index]! - admitted[index - 5]!).toBeGreaterThanOrEqual(100);
    expect(admitted.length).toBeGreaterThan(100);
  });
});

describe('createRateWindow, token-bucket', () => {
  it('starts full, then refills continuously at limit per window', () => {
    const bucket = createRateWindow('token-bucket', 10, 1000);
    for (let index = 0; index < 10; index++) bucket.take(1, 0);
    expect(bucket.remaining(0)).toBe(0);
    expect(bucket.waitMs(1, 0)).toBe(100);
    expect(bucket.waitMs(1, 100)).toBe(0);
    expect(bucket.remaining(550)).toBe(5);
    expect(bucket.resetMs(550)).toBe(450);
    expect(bucket.remaining(5000)).toBe(10);
    expect(bucket.waitMs(11, 5000)).toBe(1000);
  });
});

describe('createRateWindow, fixed-window', () => {
  it('admits the limit per window and gives all of it back when the next window starts', () => {
    const window = createRateWindow('fixed-window', 3, 1000);
    for (const now of [0, 10, 990]) {
      expect(window.waitMs(1, now)).toBe(0);
      window.take(1, now);
    }
    expect(window.remaining(995)).toBe(0);
    expect(window.waitMs(1, 995)).toBe(5);
    expect(window.resetMs(995)).toBe(5);
    // A new window: three more at once, right after the three at its end (a fixed window's edge burst).
    for (const now of [1000, 1001, 1002]) {
      expect(window.waitMs(1, now)).toBe(0);
      window.take(1, now);
    }
    expect(window.waitMs(1, 1500)).toBe(500);
    expect(window.remaining(2000)).toBe(3);
  });
});

describe('OtherTraffic', () => {
  it("spends its share of the limit evenly over time, leaving the rest to the client", () => {
    const window = createRateWindow('token-bucket', 100, 1000);
    const other = new OtherTraffic(window, 0.3, 1000);
    other.spend(0);
    expect(window.remaining(0)).toBe(100);
    other.spend(500); // 15 spent by someone else, 50 refilled into a full bucket: still full, less the 15
    expect(window.remaining(500)).toBe(85);
    // Over a long run the client gets 70 % of the refill: the bucket, drained by the client, refills at 0.07 per ms.
    window.take(window.remaining(500), 500);
    other.spend(1500);
    expect(window.remaining(1500)).toBe(70);
  });

  it('spends nothing with a share of 0, and never more than is left', () => {
    const window = createRateWindow('fixed-window', 10, 1000);
    new OtherTraffic(window, 0, 1000).spend(0);
    const other = new OtherTraffic(window, 0.9, 1000);
    other.spend(0);
    window.take(8, 0);
    other.spend(900); // owes 8.1, only 2 left
    expect(window.remaining(900)).toBe(0);
  });
});
