import { ResponseTooLargeError } from '../errors/llm-error.js';

/**
 * Reads one response body as undici hands it over: `data` per chunk, then `end` (the exchange calls neither after
 * it failed). No stream sits in between.
 */
export interface BodyReader {
  data(chunk: Buffer): void;
  end(): void;
}

/** Options of `collectBody`. */
export interface CollectBodyOptions {
  /** Most bytes read. */
  limitBytes: number;
  /** What happens past the limit: fail with `ResponseTooLargeError`, or keep the first `limitBytes`. */
  overflow: 'fail' | 'truncate';
  /** Provider id, named in the error. */
  provider: string;
}

/**
 * A `BodyReader` that gathers a body into one `Buffer`, never more than `limitBytes`. `done` is called once: with
 * the bytes when the body ends, or as soon as it passes the cap — with the first `limitBytes` (`overflow:
 * 'truncate'`, and `cut: true`) or a `ResponseTooLargeError` (`'fail'`); the caller then fails the exchange, which frees the socket.
 *
 * @param options - Cap and overflow policy.
 * @param done - Gets the error or the bytes.
 * @returns The reader to hand the exchange.
 *
 * @example
 * ```ts
 * const reader = collectBody({ limitBytes: 1 << 20, overflow: 'fail', provider: 'openai' }, (error, bytes) => {
 *   if (error === undefined) console.log(bytes.length);
 * });
 * ```
 */
export function collectBody(
  options: CollectBodyOptions,
  done: (error: ResponseTooLargeError | undefined, bytes: Buffer, cut: boolean) => void,
): BodyReader {
  const { limitBytes, overflow, provider } = options;
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (error: ResponseTooLargeError | undefined, cut = false) => {
    settled = true;
    done(error, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), cut);
  };
  return {
    data(chunk) {
      if (settled) return;
      if (size + chunk.length > limitBytes) {
        if (overflow === 'truncate') {
          chunks.push(chunk.subarray(0, limitBytes - size));
          size = limitBytes;
          settle(undefined, true);
        } else settle(new ResponseTooLargeError(limitBytes, { provider }));
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    },
    end() {
      if (!settled) settle(undefined);
    },
  };
}
