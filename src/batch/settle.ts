import { fromEvent, lastValueFrom, type Observable, takeUntil, timer } from 'rxjs';

/**
 * The last value of `source` as a Promise; an abort of `signal` unsubscribes (aborting the socket in flight) and
 * rejects with `signal.reason`. Internal to `batch/`.
 */
export async function settle<T>(source: Observable<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return lastValueFrom(source);
  signal.throwIfAborted();
  const value = await lastValueFrom(source.pipe(takeUntil(fromEvent(signal, 'abort'))), { defaultValue: ABORTED as T });
  if (value === ABORTED) throw signal.reason;
  return value;
}

/** Waits `ms` milliseconds; rejects with `signal.reason` when it is aborted first. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<unknown> {
  return settle(timer(Math.max(0, ms)), signal);
}

const ABORTED: unique symbol = Symbol('aborted');
