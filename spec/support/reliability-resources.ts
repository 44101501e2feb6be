/**
 * Leak detectors for the reliability specs: what keeps the event loop alive (`process.getActiveResourcesInfo()`),
 * the heap after a forced garbage collection, and a trap for unhandled rejections and uncaught exceptions.
 *
 * ```ts
 * const before = activeResources();
 * // … run, then close servers and agents …
 * expect(await extraResourcesAfterSettling(before)).toEqual({});   // nothing new is keeping the loop alive
 * const trap = trapUnhandled();  …  trap.dispose(); expect(trap.errors).toEqual([]);
 * const heap = heapUsedAfterGc();                                 // bytes, after a full GC
 * ```
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Counts of each kind of active resource (`TCPSocketWrap`, `Timeout`, `FSReqCallback`, …). */
export type ResourceCounts = Record<string, number>;

/** The resources keeping the event loop alive now, counted by kind. Unreferenced timers and sockets are not listed. */
export function activeResources(): ResourceCounts {
  const counts: ResourceCounts = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Kinds of which `now` holds more than `baseline`, with the excess. */
export function resourcesAbove(baseline: ResourceCounts, now: ResourceCounts = activeResources()): ResourceCounts {
  const extra: ResourceCounts = {};
  for (const [kind, count] of Object.entries(now)) {
    const over = count - (baseline[kind] ?? 0);
    if (over > 0) extra[kind] = over;
  }
  return extra;
}

/**
 * Lets closed sockets and finished timers be released (they leave the list a few event-loop turns after `destroy()`),
 * then returns what is still above `baseline`: `{}` when nothing leaked. Polls on `setImmediate` (never a timer, which
 * would count itself), at most `turns` times, and returns as soon as nothing is above the baseline.
 */
export async function extraResourcesAfterSettling(baseline: ResourceCounts, turns = 2_000): Promise<ResourceCounts> {
  let extra = resourcesAbove(baseline);
  for (let turn = 0; turn < turns && Object.keys(extra).length > 0; turn += 1) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Let the poll phase run too (socket close callbacks), without a timer of our own.
    if (turn % 50 === 49) await new Promise<void>((resolve) => process.nextTick(resolve));
    extra = resourcesAbove(baseline);
  }
  // `Immediate` entries are our own polling.
  delete extra.Immediate;
  return extra;
}

let gcFunction: (() => void) | undefined;

/** `global.gc`, exposed on demand (`--expose-gc` at run time, through V8 flags), so no runner flag is needed. */
export function forceGc(): void {
  if (gcFunction === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') gcFunction = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
}

/** `heapUsed` in bytes after two full collections (the second catches what finalizers of the first released). */
export function heapUsedAfterGc(): number {
  forceGc();
  forceGc();
  return process.memoryUsage().heapUsed;
}

/** What `trapUnhandled` caught. */
export interface UnhandledTrap {
  readonly errors: { kind: 'unhandledRejection' | 'uncaughtException'; error: unknown }[];
  dispose(): void;
}

/** Records every unhandled rejection and uncaught exception until `dispose()`. */
export function trapUnhandled(): UnhandledTrap {
  const errors: UnhandledTrap['errors'] = [];
  const onRejection = (error: unknown) => errors.push({ kind: 'unhandledRejection', error });
  const onException = (error: unknown) => errors.push({ kind: 'uncaughtException', error });
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    errors,
    dispose() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** Resolves after `turns` macrotask turns: lets pending rejections surface as `unhandledRejection` without a timer. */
export async function drainEventLoop(turns = 5): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
