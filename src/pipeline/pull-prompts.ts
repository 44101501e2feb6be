import { Observable } from 'rxjs';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/llm-error.js';
import { pullDemandOf } from './internal/pull-demand.js';
import { validateOptions } from '../internal/validate-options.js';

/**
 * Options of `pullPrompts`.
 *
 * @example
 * ```ts
 * import { chatEach, openai, pullPrompts, type PullPromptsOptions } from 'rxllm';
 * async function* rows() {
 *   for (let i = 0; i < 100; i += 1) yield `Classify item ${i}.`; // e.g. rows of a database cursor
 * }
 * const options: PullPromptsOptions = { readAhead: 8 }; // keep 8 prompts ready for the next free slots
 * pullPrompts(rows(), options)
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' }), { maxActive: 32 }))
 *   .subscribe((result) => console.log(result.index, result.ok));
 * ```
 */
export interface PullPromptsOptions {
  /** Prompts read ahead of need, waiting for a free slot, so that a freed slot never waits on the source. @defaultValue `2` */
  readAhead?: number;
}

const pullPromptsOptionsSchema = z.strictObject({
  readAhead: z.number().int().nonnegative().optional(),
});

/**
 * What `pullPrompts` reads from.
 *
 * @example
 * ```ts
 * import { take } from 'rxjs';
 * import { chatEach, openai, pullPrompts, type PullSource } from 'rxllm';
 * function* facts() {
 *   for (let i = 1; ; i += 1) yield `Tell me fact number ${i} about octopuses.`; // endless
 * }
 * const source: PullSource<string> = facts();
 * pullPrompts(source)
 *   .pipe(take(5), chatEach(openai({ model: 'gpt-4o-mini' })))
 *   .subscribe((result) => console.log(result.index, result.ok ? result.response.text : result.error.message));
 * ```
 */
export type PullSource<T> = Iterable<T> | AsyncIterable<T>;

/**
 * Turns an iterable or async iterable (a generator, a file read line by line, a database cursor…) into an
 * Observable that reads only as fast as a downstream `chatEach` or `streamEach` frees slots: one prompt per free
 * slot plus `readAhead`. Memory stays bounded by `maxActive`, however long — or endless — the source.
 * (`from(asyncIterable)` instead reads as fast as it can.)
 *
 * The pipeline finds it through RxJS operators in between (`map`, `filter`, `tap`, `takeUntil`, `take`…), not through
 * a Subject or `share()`; with no rxllm pipeline downstream it reads as fast as its subscriber takes values, like `from()`.
 * Each subscription iterates the source afresh (`[Symbol.asyncIterator]()` / `[Symbol.iterator]()`); unsubscribing
 * (or the pipeline stopping) calls the iterator's `return()`, so a generator's `finally` runs. An error thrown by the
 * source is the Observable's error. A string is refused (`InvalidOptionsError`): it would be read character by
 * character.
 *
 * @param source - The prompts (or any values), read lazily.
 * @param options - `readAhead`.
 * @returns A cold Observable of the source's values, in order.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { createInterface } from 'node:readline';
 * import { chatEach, openai, pullPrompts } from 'rxllm';
 * const lines = createInterface({ input: createReadStream('prompts.txt') });
 * pullPrompts(lines)
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' }), { maxActive: 8 }))
 *   .subscribe((result) => console.log(result.index, result.ok ? result.response.text : result.error.message));
 * ```
 */
export function pullPrompts<T>(source: PullSource<T>, options: PullPromptsOptions = {}): Observable<T> {
  const { readAhead = 2 } = validateOptions(pullPromptsOptionsSchema, options, 'pullPrompts() options');
  if (!isPullSource<T>(source)) {
    throw new InvalidOptionsError('pullPrompts() source: expected an iterable or an async iterable (not a string)');
  }
  return new Observable<T>((subscriber) => {
    const demand = pullDemandOf(subscriber);
    const wants = () => demand === undefined || demand.capacity() + readAhead > 0;
    let iterator: Iterator<T> | AsyncIterator<T>;
    let async: boolean;
    try {
      async = Symbol.asyncIterator in source;
      iterator = async ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]();
    } catch (error) {
      subscriber.error(error);
      return;
    }
    let finished = false;
    let reading = false;
    let pumping = false;

    const finish = () => {
      finished = true;
      removeListener?.();
    };
    const deliver = (result: IteratorResult<T>) => {
      if (result.done === true) {
        finish();
        subscriber.complete();
      } else {
        subscriber.next(result.value);
      }
    };
    const fail = (error: unknown) => {
      finish();
      subscriber.error(error);
    };
    const readAsync = () => {
      reading = true;
      let step: Promise<IteratorResult<T>>;
      try {
        step = Promise.resolve((iterator as AsyncIterator<T>).next());
      } catch (error) {
        reading = false;
        fail(error);
        return;
      }
      step.then(
        (result) => {
          reading = false;
          if (finished || subscriber.closed) return;
          deliver(result);
          pump();
        },
        (error: unknown) => {
          reading = false;
          if (!finished && !subscriber.closed) fail(error);
        },
      );
    };
    const readSync = () => {
      let result: IteratorResult<T>;
      try {
        result = (iterator as Iterator<T>).next();
      } catch (error) {
        fail(error);
        return;
      }
      deliver(result);
    };
    // Trampolined: a delivery can free a slot synchronously, which calls pump() again from inside the loop.
    const pump = () => {
      if (pumping) return;
      pumping = true;
      try {
        while (!finished && !reading && !subscriber.closed && wants()) {
          if (async) readAsync();
          else readSync();
        }
      } finally {
        pumping = false;
      }
    };
    const removeListener = demand?.onChange(() => {
      if (!pumping) pump();
    });

    pump();
    return () => {
      if (finished) return;
      finish();
      try {
        const closing = iterator.return?.();
        if (closing instanceof Promise) closing.catch(() => undefined);
      } catch {
        // The source failed while closing; the subscriber is gone, so there is no one to tell.
      }
    };
  });
}

/** True for iterables and async iterables other than strings. */
export function isPullSource<T>(value: unknown): value is PullSource<T> {
  if (typeof value === 'string' || value === null || value === undefined) return false;
  const candidate = value as Partial<Record<symbol, unknown>>;
  return typeof candidate[Symbol.iterator] === 'function' || typeof candidate[Symbol.asyncIterator] === 'function';
}
