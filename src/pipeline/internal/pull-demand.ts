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

let current: PullDemand | undefined;

/**
 * Runs `subscribe` with `demand` as the demand that pull sources subscribed during the call will follow.
 * Subscription through synchronous operators (`map`, `filter`, `tap`, `takeUntil`, …) happens inside the call,
 * so a `pullPrompts` source placed anywhere upstream of a pipeline through such operators finds its demand.
 */
export function withPullDemand<T>(demand: PullDemand | undefined, subscribe: () => T): T {
  const previous = current;
  current = demand;
  try {
    return subscribe();
  } finally {
    current = previous;
  }
}

/** The demand of the pipeline now subscribing, if any. */
export function currentPullDemand(): PullDemand | undefined {
  return current;
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
