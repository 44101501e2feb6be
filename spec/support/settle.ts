/**
 * Test helper: subscribes to an Observable and resolves with everything it did, so that a test can assert on
 * values and the error in one place without try/catch.
 *
 * ```ts
 * const { values, error, completed } = await settle(model.chat('Hi'));
 * ```
 */
import type { Observable } from 'rxjs';

/** What an Observable did. */
export interface Settled<T> {
  values: T[];
  error?: unknown;
  completed: boolean;
}

/** Resolves once `source` errors or completes. */
export function settle<T>(source: Observable<T>): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const values: T[] = [];
    source.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ values, error, completed: false }),
      complete: () => resolve({ values, completed: true }),
    });
  });
}

/** Resolves with the error `source` fails with; rejects if it completes instead. */
export async function errorOf<T>(source: Observable<T>): Promise<unknown> {
  const outcome = await settle(source);
  if (outcome.completed) throw new Error(`expected an error, but it completed after ${outcome.values.length} value(s)`);
  return outcome.error;
}
