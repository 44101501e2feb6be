import type { Readable } from 'node:stream';
import { ResponseTooLargeError } from '../errors.js';

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
 * Reads a response body into one `Buffer`, never more than `limitBytes`: past the cap it stops reading and
 * destroys the body (freeing the socket), then rejects with `ResponseTooLargeError` or resolves with the bytes
 * kept, per `overflow`. Rejects with the stream's error if the body fails.
 *
 * @param body - The response body.
 * @param options - Cap and overflow policy.
 * @returns The bytes read.
 *
 * @example
 * ```ts
 * const bytes = await collectBody(response.body, { limitBytes: 1 << 20, overflow: 'fail', provider: 'openai' });
 * ```
 */
export function collectBody(body: Readable, options: CollectBodyOptions): Promise<Buffer> {
  const { limitBytes, overflow, provider } = options;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > limitBytes) {
        if (overflow === 'truncate') chunks.push(chunk.subarray(0, limitBytes - size));
        body.destroy();
        settle(() =>
          overflow === 'truncate' ? resolve(Buffer.concat(chunks)) : reject(new ResponseTooLargeError(limitBytes, { provider })),
        );
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    });
    body.on('end', () => settle(() => resolve(Buffer.concat(chunks))));
    body.on('error', (error: unknown) => settle(() => reject(error)));
    body.on('close', () => settle(() => reject(new Error('The response body closed before it ended.'))));
  });
}
