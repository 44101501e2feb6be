// Hand-written operator: a replaying channel for one stream item's chunks (what an unbounded `ReplaySubject` does).
// Contract: every subscriber gets every value from the first, then the end (complete or error); values after the end
// are ignored; a subscriber's own throw is routed by its RxJS `Subscriber`, never by the channel.
// Earned by: bench/results/HISTORY.md "Second round" - one layer per chunk fewer on streams (scenario 5 CPU per token
// 1.40x -> 1.22x baseline with the round's other stream changes).
// Pinned by: spec/pipeline/replay-channel.test.ts, stream-each.test.ts.
import { Observable, type Subscriber } from 'rxjs';

/**
 * What a `ReplaySubject` with an unbounded buffer does for one stream item's chunks — every subscriber gets every
 * value from the first, then the end — in one plain layer: no `errorContext` closure, observer-array copy or
 * iterator per value. Internal: `streamEach` pushes each chunk of each stream through one.
 *
 * @example
 * ```ts
 * const channel = new ReplayChannel<string>();
 * channel.next('a');
 * channel.observable.subscribe((value) => console.log(value)); // 'a', then 'b'
 * channel.next('b');
 * channel.complete();
 * ```
 */
export class ReplayChannel<T> {
  private readonly values: T[] = [];
  private subscribers: Subscriber<T>[] = [];
  private ended: { error: unknown } | 'complete' | undefined;

  /** Replays everything so far to each new subscriber, then follows live. */
  readonly observable = new Observable<T>((subscriber) => {
    const { values } = this;
    for (let i = 0; i < values.length && !subscriber.closed; i += 1) subscriber.next(values[i]!);
    if (this.ended === 'complete') subscriber.complete();
    else if (this.ended !== undefined) subscriber.error(this.ended.error);
    else {
      this.subscribers.push(subscriber);
      return () => {
        this.subscribers = this.subscribers.filter((other) => other !== subscriber);
      };
    }
    return undefined;
  });

  /** How many values it has carried. */
  get size(): number {
    return this.values.length;
  }

  /** The values it has carried from position `start` on. */
  slice(start = 0): readonly T[] {
    return this.values.slice(start);
  }

  next(value: T): void {
    if (this.ended !== undefined) return;
    this.values.push(value);
    const { subscribers } = this;
    for (let i = 0; i < subscribers.length; i += 1) subscribers[i]!.next(value);
  }

  error(error: unknown): void {
    this.end({ error });
  }

  complete(): void {
    this.end('complete');
  }

  private end(how: { error: unknown } | 'complete'): void {
    if (this.ended !== undefined) return;
    this.ended = how;
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (const subscriber of subscribers) {
      if (how === 'complete') subscriber.complete();
      else subscriber.error(how.error);
    }
  }
}
