import { take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ReplayChannel } from '../../src/pipeline/internal/replay-channel.js';

/** Everything a subscriber sees, in order. */
function record<T>(channel: ReplayChannel<T>): { seen: unknown[]; unsubscribe: () => void } {
  const seen: unknown[] = [];
  const subscription = channel.observable.subscribe({
    next: (value) => seen.push(value),
    error: (error: unknown) => seen.push(`error:${String(error)}`),
    complete: () => seen.push('complete'),
  });
  return { seen, unsubscribe: () => subscription.unsubscribe() };
}

describe('ReplayChannel', () => {
  it('gives an early subscriber every value live, and a late one everything from the first, then the end', () => {
    const channel = new ReplayChannel<string>();
    const early = record(channel);
    channel.next('a');
    const middle = record(channel);
    channel.next('b');
    channel.complete();
    const late = record(channel);
    expect(early.seen).toEqual(['a', 'b', 'complete']);
    expect(middle.seen).toEqual(['a', 'b', 'complete']);
    expect(late.seen).toEqual(['a', 'b', 'complete']);
    expect(channel.size).toBe(2);
    expect(channel.slice()).toEqual(['a', 'b']);
    expect(channel.slice(1)).toEqual(['b']);
  });

  it('replays the values before the error to subscribers after it, and ignores anything after the end', () => {
    const channel = new ReplayChannel<number>();
    channel.next(1);
    channel.error('boom');
    channel.next(2);
    channel.complete();
    expect(record(channel).seen).toEqual([1, 'error:boom']);
  });

  it('stops sending to a subscriber that left, and lets one take only what it wants from the replay', () => {
    const channel = new ReplayChannel<number>();
    const leaving = record(channel);
    channel.next(1);
    leaving.unsubscribe();
    channel.next(2);
    const firstOnly: number[] = [];
    channel.observable.pipe(take(1)).subscribe((value) => firstOnly.push(value));
    channel.next(3);
    expect(leaving.seen).toEqual([1]);
    expect(firstOnly).toEqual([1]);
  });
});
