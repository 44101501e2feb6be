import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultKind } from './fault-kinds.js';
import type { StatsRecorder } from './mock-stats.js';
import type { MockAnswer, StreamParts, WireFormat } from './wire-format.js';

/** Request bodies larger than this are answered 413. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const NO_CHUNKS: Buffer[] = [];
const EXCHANGE = Symbol('rxllm.mockExchange');

type ExchangeCarrier = { [EXCHANGE]?: MockExchange };

function onRequestData(this: IncomingMessage, chunk: Buffer): void {
  (this as ExchangeCarrier)[EXCHANGE]?.addChunk(chunk);
}

function onRequestEnd(this: IncomingMessage): void {
  const exchange = (this as ExchangeCarrier)[EXCHANGE];
  if (exchange !== undefined && !exchange.finished) exchange.host.dispatch(exchange);
}

function onResponseClose(this: ServerResponse): void {
  (this as ExchangeCarrier)[EXCHANGE]?.closed();
}

/** What an exchange needs from the server that owns it. */
export interface ExchangeHost {
  readonly stats: StatsRecorder;
  readonly active: Set<MockExchange>;
  dispatch(exchange: MockExchange): void;
}

/**
 * One chat request and its response, from the first body byte until the server has finished with it (answered,
 * failed on purpose, or the client went away). Holds the state of a paced stream.
 */
export class MockExchange {
  timer: NodeJS.Timeout | undefined = undefined;
  finished = false;
  /** Response headers common to every outcome (request id, rate limits). */
  headers: Record<string, string>;
  answer: MockAnswer | undefined = undefined;
  /** Key that deliveries are counted by. */
  key = '';
  fault: FaultKind | undefined = undefined;
  /** Stream state. */
  parts: StreamParts | undefined = undefined;
  next = 0;
  startedAt = 0;
  intervalMs = 0;
  /** Content index where a fault cuts the stream; -1 when none. */
  cutAt = -1;
  cutMode: 'drop' | 'truncate' = 'drop';
  /** Bytes written by an endless body. */
  written = 0;
  private chunks: Buffer[] = [];
  private bodyBytes = 0;

  constructor(
    readonly host: ExchangeHost,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly wire: WireFormat,
    readonly sequence: number,
  ) {
    this.headers = { [wire.requestIdHeader]: `req_mock${sequence}` };
  }

  /** Listens to the request and response through shared listeners (no closures per request). */
  listen(): void {
    (this.req as ExchangeCarrier)[EXCHANGE] = this;
    (this.res as ExchangeCarrier)[EXCHANGE] = this;
    this.req.on('data', onRequestData);
    this.req.once('end', onRequestEnd);
    this.res.once('close', onResponseClose);
  }

  addChunk(chunk: Buffer): void {
    this.bodyBytes += chunk.length;
    if (this.bodyBytes <= MAX_REQUEST_BYTES) this.chunks.push(chunk);
  }

  /** The client went away (or the socket was destroyed) before the server finished. */
  closed(): void {
    if (this.finished) return;
    this.host.stats.aborted++;
    this.finish();
  }

  /** The request body as text, or `undefined` when it was over the size cap. Releases the buffers. */
  takeBody(): string | undefined {
    const chunks = this.chunks;
    this.chunks = NO_CHUNKS;
    if (this.bodyBytes > MAX_REQUEST_BYTES) return undefined;
    if (chunks.length === 1) return (chunks[0] as Buffer).toString('utf8');
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Sends a complete response with `content-length`, and finishes. */
  send(status: number, contentType: string, body: string): void {
    const headers = this.headers;
    headers['content-type'] = contentType;
    headers['content-length'] = String(Buffer.byteLength(body));
    this.res.writeHead(status, headers);
    this.res.end(body);
    this.host.stats.responded(status);
    this.finish();
  }

  /** Sends an error in the provider's shape, and finishes. */
  sendError(status: number, message: string): void {
    this.send(status, 'application/json', this.wire.errorBody(status, message));
  }

  /** Writes the head of a response whose body follows in pieces (chunked). */
  writeHead(status: number, contentType: string): void {
    this.headers['content-type'] = contentType;
    if (contentType.startsWith('text/event-stream')) this.headers['cache-control'] = 'no-cache';
    this.res.writeHead(status, this.headers);
    this.host.stats.responded(status);
  }

  /** Writes `text` (if any), then destroys the socket once it is flushed: the client sees the connection drop. */
  writeThenDestroy(text: string): void {
    const socket = this.req.socket;
    if (text === '') socket.destroy();
    else this.res.write(text, () => socket.destroy());
  }

  /** Counts a successful, complete delivery. */
  delivered(): void {
    const answer = this.answer;
    if (answer !== undefined) this.host.stats.deliveredAnswer(this.key, answer.request.inputTokens, answer.pieces.length);
  }

  /**
   * Ends the server's part in this exchange: clears its timer, updates the gauges and drops the answer (count
   * the delivery first). Idempotent.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.host.active.delete(this);
    this.host.stats.ended();
    // Node keeps the last request and response of a keep-alive socket; let this exchange's data go now.
    (this.req as ExchangeCarrier)[EXCHANGE] = undefined;
    (this.res as ExchangeCarrier)[EXCHANGE] = undefined;
    this.answer = undefined;
    this.parts = undefined;
  }
}
