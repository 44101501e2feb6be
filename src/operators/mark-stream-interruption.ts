import { catchError, defer, type MonoTypeOperatorFunction, tap, throwError } from 'rxjs';
import { isLlmError, StreamInterruptedError } from '../errors.js';
import type { ChatChunk } from '../types.js';

/**
 * Turns an error that arrives after a stream's first chunk into a `StreamInterruptedError` holding the text so far
 * (not retryable, so a retry operator after it never re-sends a half-delivered stream). Errors before the first
 * chunk pass unchanged, so they can be retried.
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
        catchError((error: unknown) => {
          if (!started) return throwError(() => error);
          if (error instanceof StreamInterruptedError && error.partialText === text) return throwError(() => error);
          const base = isLlmError(error) ? error : undefined;
          return throwError(
            () =>
              new StreamInterruptedError(text, {
                cause: error,
                ...(base?.status === undefined ? {} : { status: base.status }),
                ...(base?.requestId === undefined ? {} : { requestId: base.requestId }),
                ...((base?.provider ?? provider) === undefined ? {} : { provider: (base?.provider ?? provider)! }),
              }),
          );
        }),
      );
    });
}
