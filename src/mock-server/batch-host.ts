import type { ServerResponse } from 'node:http';
import type { ResolvedMockServerOptions } from './mock-server-options.js';
import type { MockChatRequest } from './read-chat-request.js';
import type { MockAnswer, WireFormat } from './wire-format.js';

/** What the Batch API routes need from the server that owns them. */
export interface BatchHost {
  readonly config: ResolvedMockServerOptions;
  /** `http://127.0.0.1:PORT` of the running server. */
  readonly url: string;
  /** The answer the live endpoint would give `request` (see `MockRequestHandler.buildAnswer`). */
  buildAnswer(wire: WireFormat, request: MockChatRequest, answerTokens: number, suffix: string, created: number): MockAnswer;
  /** Draws a batch fault from the seeded PRNG at the `batchFaults` rates. */
  drawBatchFault(): BatchFault | undefined;
}

/** A fault of a whole batch: it fails validation, or it expires halfway through. */
export type BatchFault = 'failed' | 'expired';

/** A create the mock refuses: its status, message and extra response headers. */
export interface RefusedCreate {
  status: number;
  error: string;
  headers?: Record<string, string>;
}

/**
 * The batch fault a create asks for with `x-mock-batch-fault` (`none` for none), the drawn one when it has no such
 * header, or a refusal: `429` refuses the create as rate limited (with `retry-after-ms` and `retry-after` of
 * `faultRetryAfterMs`), an unknown value is a 400.
 */
export function batchFaultOf(header: string | string[] | undefined, host: BatchHost): BatchFault | undefined | RefusedCreate {
  if (header === undefined) return host.drawBatchFault();
  if (header === 'failed' || header === 'expired') return header;
  if (header === 'none') return undefined;
  if (header === '429') {
    const retryAfterMs = host.config.faultRetryAfterMs;
    const headers = { 'retry-after-ms': String(retryAfterMs), 'retry-after': String(Math.ceil(retryAfterMs / 1000)) };
    return { status: 429, error: 'Rate limit reached for batch creates (mock fault: x-mock-batch-fault: 429).', headers };
  }
  return { status: 400, error: `x-mock-batch-fault: expected failed, expired, 429 or none; got ${JSON.stringify(header)}.` };
}

/** Whether `customId`'s item is drawn to fail with a server error at `rate` (deterministic per seed and id). */
export function drawsItemError(hash: number, rate: number): boolean {
  return rate > 0 && hash / 4_294_967_296 < rate;
}

/** Sends a complete JSON (or JSONL) body with `content-length`. */
export function sendBody(res: ServerResponse, status: number, body: string, headers: Record<string, string>, contentType = 'application/json'): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
