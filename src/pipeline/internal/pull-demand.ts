import { type Observable, type Observer, Subscriber, type Subscription } from 'rxjs';

/**
 * How much a pipeline downstream of a pull source wants, level-triggered: a source reads while
 * `capacity() + readAhead > 0` and, once it stops, waits for `onChange`.
 * Internal: `chatEach` and `streamEach` provide one, `pullPrompts` consumes it.
 */
export interface PullDemand {
  /** Free slots minus prompts already waiting for one; 0 or less means "full". */
  capacity(): number;
  /** Calls `listener` whenever `capacity()` may have grown. Returns the function that removes it. */
  onChange(listener: () => void): () => void;
}

/** The key under which a pipeline's source subscriber carries its demand; from the global registry, so every loaded copy of rxllm agrees on it. */
const PULL_DEMAND = Symbol.for('rxllm.pullDemand');

/** A subscriber that carries the demand of the pipeline it feeds. */
class DemandSubscriber<T> extends Subscriber<T> {
  readonly [PULL_DEMAND]: PullDemand;

  constructor(demand: PullDemand, observer: Observer<T>) {
    super(observer);
    this[PULL_DEMAND] = demand;
  }
}

/**
 * Subscribes `source` on behalf of a pipeline whose demand is `demand`: the subscriber handed upstream carries it,
 * and every RxJS operator in between wraps it (each operator's subscriber keeps the next one as its `destination`),
 * so a pull source anywhere upstream finds it with `pullDemandOf`.
 */
export function subscribeWithDemand<T>(source: Observable<T>, demand: PullDemand, observer: Observer<T>): Subscription {
  return source.subscribe(new DemandSubscriber(demand, observer));
}

/** The demand of the nearest pipeline downstream of `subscriber`, if any: found along its chain of destinations. */
export function pullDemandOf(subscriber: Subscriber<unknown>): PullDemand | undefined {
  let link: unknown = subscriber;
  // Bounded: a chain of destinations ends at an observer without one.
  while (typeof link === 'object' && link !== null) {
    const demand = (link as Partial<Record<typeof PULL_DEMAND, PullDemand>>)[PULL_DEMAND];
    if (demand !== undefined) return demand;
    link = (link as { destination?: unknown }).destination;
  }
  return undefined;
}

/** A `PullDemand` whose capacity is set by its owner, who calls `changed()` when it grows. */
export class PullDemandSignal implements PullDemand {
  private readonly listeners = new Set<() => void>();

  constructor(readonly capacity: () => number) {}

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
