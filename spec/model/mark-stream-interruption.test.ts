import { catchError, defer, map, type Observable, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { APIConnectionError, isLlmError, StreamInterruptedError } from '../../src/errors/llm-error.js';
import { ServerError } from '../../src/errors/api-call-error.js';
import { markStreamInterruption } from '../../src/model/mark-stream-interruption.js';
import { retryWithBackoff } from '../../src/model/retry-with-backoff.js';
import type { ChatChunk } from '../../src/types.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const chunks = { a: { text: 'hé' }, b: { text: 'llo' }, e: { text: '' } } satisfies Record<string, ChatChunk>;
const dropped = new APIConnectionError('socket closed', { provider: 'openai', requestId: 'req_7' });

/** Replaces the error with a plain summary, so marbles compare what matters. */
function summarise(source: Observable<ChatChunk>): Observable<ChatChunk | Record<string, unknown>> {
  return source.pipe(
    catchError((error: unknown) =>
      of({
        name: (error as Error).name,
        partialText: (error as StreamInterruptedError).partialText,
        cause: (error as Error).cause,
        provider: isLlmError(error) ? error.provider : undefined,
        requestId: isLlmError(error) ? error.requestId : undefined,
        status: isLlmError(error) ? error.status : undefined,
        retryable: isLlmError(error) ? error.retryable : undefined,
        same: error === dropped,
      }),
    ),
  );
}

describe('markStreamInterruption', () => {
  it('passes an error before the first chunk through unchanged (so it can be retried)', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const stream = cold<ChatChunk>('--#', undefined, dropped);
      expectObservable(stream.pipe(markStreamInterruption('openai'))).toBe('--#', undefined, dropped);
    }));

  it('turns an error after the first chunk into a non-retryable StreamInterruptedError with the text so far', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const stream = cold<ChatChunk>('-a-e-b-#', chunks, dropped);
      expectObservable(summarise(stream.pipe(markStreamInterruption('fallback')))).toBe('-a-e-b-(x|)', {
        ...chunks,
        x: { name: 'StreamInterruptedError', partialText: 'héllo', cause: dropped, provider: 'openai', requestId: 'req_7', status: undefined, retryable: false, same: false },
      });
    }));

  it('keeps the status of an HTTP error and names the fallback provider when the error has none', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const overloaded = new ServerError('overloaded', { status: 529 });
      const stream = cold<ChatChunk>('a#', chunks, overloaded);
      expectObservable(summarise(stream.pipe(markStreamInterruption('anthropic')))).toBe('a(x|)', {
        a: chunks.a,
        x: { name: 'StreamInterruptedError', partialText: 'hé', cause: overloaded, provider: 'anthropic', requestId: undefined, status: 529, retryable: false, same: false },
      });
    }));

  it('wraps errors that are not LlmErrors too', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const bug = new Error('bug');
      const stream = cold<ChatChunk>('a#', chunks, bug);
      expectObservable(summarise(stream.pipe(markStreamInterruption()))).toBe('a(x|)', {
        a: chunks.a,
        x: { name: 'StreamInterruptedError', partialText: 'hé', cause: bug, provider: undefined, requestId: undefined, status: undefined, retryable: false, same: false },
      });
    }));

  it('leaves an existing StreamInterruptedError with the same text alone', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const already = new StreamInterruptedError('hé', { provider: 'openai' });
      const stream = cold<ChatChunk>('a#', chunks, already);
      expectObservable(stream.pipe(markStreamInterruption())).toBe('a#', chunks, already);
    }));

  it('passes values and completion through', () =>
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold<ChatChunk>('a-b|', chunks).pipe(markStreamInterruption())).toBe('a-b|', chunks);
    }));

  it('keeps its state per subscription, so a retry before the first chunk still works', () =>
    scheduler.run(({ cold, expectObservable }) => {
      let attempt = 0;
      const source = defer(() => (attempt++ === 0 ? cold<ChatChunk>('-#', undefined, dropped) : cold<ChatChunk>('-a-b|', chunks)));
      const result = source.pipe(markStreamInterruption('openai'), retryWithBackoff({ initialDelayMs: 5, jitter: false, scheduler }));
      expectObservable(result.pipe(map((chunk) => chunk.text))).toBe('7ms a-b|', { a: 'hé', b: 'llo' });
    }));

  it('is not retried by retryWithBackoff once a chunk was delivered', () =>
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const stream = cold<ChatChunk>('a-#', chunks, dropped);
      const result = stream.pipe(markStreamInterruption('openai'), retryWithBackoff({ initialDelayMs: 5, jitter: false, scheduler }));
      expectObservable(summarise(result).pipe(map((value) => ('name' in value ? value.name : (value as ChatChunk).text)))).toBe('a-(x|)', {
        a: 'hé',
        x: 'StreamInterruptedError',
      });
      expectSubscriptions(stream.subscriptions).toBe('^-!');
    }));
});
