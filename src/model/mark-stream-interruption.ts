import { catchError, defer, type MonoTypeOperatorFunction, tap, throwError } from 'rxjs';
import { isLlmError, StreamInterruptedError } from '../errors/llm-error.js';
import type { ChatChunk } from '../types.js';

/**
 * Turns an error that arrives after a stream's first chunk into a `StreamInterruptedError` holding the text so far
 * (not retryable, so a retry operator after it never re-sends a half-delivered stream). Errors before the first
 * chunk pass unchanged, so they can be retried. The text so far is kept per subscription.
 *
 * @returns An operator over `ChatChunk` streams.
 */
export function markStreamInterruption(provider?: string): MonoTypeOperatorFunction<ChatChunk> {
  return (source) =>
    defer(() => {
      let started = false;
      let text = '';
      return source.pipe(
        tap((chunk) => {
          started = true;
          text += chunk.text;
        }),
        catchError((error: unknown) => throwError(() => streamFailure(error, started, text, provider))),
      );
    });
}

/**
 * The error a stream that failed with `error` ends with: `error` itself before the first chunk (or when it already
 * is the `StreamInterruptedError` for `text`), else a `StreamInterruptedError` holding `text`, the text so far.
 * What `markStreamInterruption` does, for code that already watches the chunks.
 */
export function streamFailure(error: unknown, started: boolean, text: string, provider?: string): unknown {
  if (!started || (error instanceof StreamInterruptedError && error.partialText === text)) return error;
  const base = isLlmError(error) ? error : undefined;
  return new StreamInterruptedError(text, { cause: error, status: base?.status, requestId: base?.requestId, provider: base?.provider ?? provider });
}
