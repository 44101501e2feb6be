import type { IncomingMessage } from 'node:http';

/** A request body read whole, or `tooLarge` (the rest drained, not kept) when it passed the cap. */
export type RequestBody = { tooLarge: false; bytes: Buffer } | { tooLarge: true };

/**
 * Reads a request body up to `maxBytes` (the batch routes' bodies can be far larger than a chat request's). Past the
 * cap it keeps draining without keeping, so the answer (a 413) reaches a client that is still sending. Resolves
 * `undefined` when the client goes away first.
 */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<RequestBody | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.once('end', () => resolve(size > maxBytes ? { tooLarge: true } : { tooLarge: false, bytes: Buffer.concat(chunks) }));
    req.once('error', () => resolve(undefined));
    req.once('close', () => {
      if (!req.complete) resolve(undefined);
    });
  });
}
