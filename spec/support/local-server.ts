/**
 * A scriptable `node:http` test server on 127.0.0.1 (random port), the seam for every transport, provider and
 * pipeline test: the client under test talks to a real socket, and the server side counts, records and observes.
 *
 * ```ts
 * const server = await startLocalServer();          // afterEach: await server.close()
 * server.handle(respond.json(200, { ok: true }));    // default behaviour for every request
 * server.enqueue(respond.json(503, {}), respond.json(200, { ok: true })); // one-shot, consumed first, in order
 * server.handle(async (exchange) => { … });          // or any function of an `Exchange`
 * server.url;  server.baseURL;                       // 'http://127.0.0.1:PORT', same + '/v1'
 * server.requests[0]!.body;                          // recorded requests: method, path, headers, parsed body…
 * server.requestCount; server.maxInFlight;           // counts, current and peak concurrent requests
 * await server.waitForRequests(3);                   // resolves once 3 requests have arrived
 * await server.requests[0]!.closed;                  // the exchange ended; `{ aborted: true }` when the client left early
 * await server.requests[0]!.socketClosed;            // that request's socket closed (abort seen server-side)
 * server.events.on('socket-close', …);               // 'request' (RecordedRequest), 'socket-close', 'request-close'
 * await server.close();                              // destroys every socket, then stops listening
 * ```
 *
 * Handlers (`respond.*`) cover the situations tests need: `json(status, body, headers?)`, `text(status, text,
 * headers?)`, `sse(transcript, { splitAt, gapMs, then })` (bytes in uneven pieces with tiny gaps, then end, hang or
 * drop), `bytes(…)` (the same for any content type), `delay(ms, handler)`, `hang()` (never answers), `resetSocket()`,
 * `dropAfter(bytes, …)`, `truncated(…)` (content-length promises more than arrives), `endless(…)` (an endless
 * body until the client leaves) and `sequence(...)`. A handler's rejected promise or throw answers 500.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the server saw it. */
export interface RecordedRequest {
  /** 0-based arrival order. */
  index: number;
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** The body parsed as JSON, or the raw text when it is not JSON. */
  body: unknown;
  rawBody: string;
  /** `performance.now()` when the request head arrived, for measuring gaps between attempts. */
  receivedAt: number;
  /** Resolves when the exchange ends: `aborted` when the client went away before the response finished. */
  closed: Promise<{ aborted: boolean }>;
  /** Resolves when the socket this request came on closes. */
  socketClosed: Promise<void>;
  /** Set once `closed` resolved. */
  aborted?: boolean;
}

/** What a handler gets for one request. */
export interface Exchange {
  request: RecordedRequest;
  req: IncomingMessage;
  res: ServerResponse;
  /** Aborted when the client goes away (or the server closes) before the response finished. */
  signal: AbortSignal;
}

/** Scripts the answer to one request. May be async; it need not return before the response ends. */
export type Handler = (exchange: Exchange) => void | Promise<void>;

/** A running local server; see the module documentation. */
export interface LocalServer {
  readonly url: string;
  /** `url` + `/v1`, for OpenAI-style clients. */
  readonly baseURL: string;
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  readonly requestCount: number;
  /** Sockets currently open. */
  readonly openSockets: number;
  /** Sockets closed so far. */
  readonly closedSockets: number;
  /** Connections accepted so far. */
  readonly openedSockets: number;
  /** Requests currently being answered. */
  readonly inFlight: number;
  /** Most requests ever answered at once. */
  readonly maxInFlight: number;
  /** Emits `'request'` (RecordedRequest), `'socket-close'` (Socket), `'request-close'` (RecordedRequest). */
  readonly events: EventEmitter;
  /** Sets the default handler, used when the queue is empty. */
  handle(handler: Handler): void;
  /** Queues one-shot handlers, consumed in order before the default. */
  enqueue(...handlers: Handler[]): void;
  /** Resolves once at least `count` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  /** Resolves once at least `count` sockets have closed. */
  waitForSocketCloses(count: number): Promise<void>;
  /** Forgets requests, handlers and counters (open sockets stay). */
  reset(): void;
  /** Destroys every socket and stops listening. */
  close(): Promise<void>;
}

/** Starts a local server on 127.0.0.1 with a random port. */
export async function startLocalServer(): Promise<LocalServer> {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const sockets = new Set<Socket>();
  const socketClosed = new WeakMap<Socket, Promise<void>>();
  const exchanges = new Set<AbortController>();
  let requests: RecordedRequest[] = [];
  let queue: Handler[] = [];
  let defaultHandler: Handler = respond.json(500, { error: { message: 'local-server: no handler scripted for this request' } });
  let closedSockets = 0;
  let openedSockets = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const server: Server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    void serve(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    openedSockets += 1;
    socketClosed.set(
      socket,
      new Promise<void>((resolve) =>
        socket.once('close', () => {
          sockets.delete(socket);
          closedSockets += 1;
          resolve();
          events.emit('socket-close', socket);
        }),
      ),
    );
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const controller = new AbortController();
    exchanges.add(controller);
    let resolveClosed!: (value: { aborted: boolean }) => void;
    const closed = new Promise<{ aborted: boolean }>((resolve) => (resolveClosed = resolve));
    const record: RecordedRequest = {
      index: -1,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: { ...req.headers },
      body: undefined,
      rawBody: '',
      receivedAt: performance.now(),
      closed,
      socketClosed: socketClosed.get(req.socket) ?? Promise.resolve(),
    };
    res.once('close', () => {
      inFlight -= 1;
      exchanges.delete(controller);
      const aborted = !res.writableFinished;
      record.aborted = aborted;
      if (aborted) controller.abort();
      resolveClosed({ aborted });
      events.emit('request-close', record);
    });

    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away while sending
    }
    record.rawBody = Buffer.concat(chunks).toString('utf8');
    try {
      record.body = JSON.parse(record.rawBody) as unknown;
    } catch {
      record.body = record.rawBody;
    }
    record.index = requests.length;
    requests.push(record);
    events.emit('request', record);

    const handler = queue.shift() ?? defaultHandler;
    try {
      await handler({ request: record, req, res, signal: controller.signal });
    } catch (error) {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `local-server handler failed: ${String(error)}` } }));
      } else {
        res.destroy();
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const waitUntil = (predicate: () => boolean, event: string) =>
    new Promise<void>((resolve) => {
      if (predicate()) return resolve();
      const check = () => {
        if (!predicate()) return;
        events.off(event, check);
        resolve();
      };
      events.on(event, check);
    });

  return {
    url,
    baseURL: `${url}/v1`,
    port,
    get requests() {
      return requests;
    },
    get requestCount() {
      return requests.length;
    },
    get openSockets() {
      return sockets.size;
    },
    get closedSockets() {
      return closedSockets;
    },
    get openedSockets() {
      return openedSockets;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    events,
    handle(handler) {
      defaultHandler = handler;
    },
    enqueue(...handlers) {
      queue.push(...handlers);
    },
    waitForRequests: (count) => waitUntil(() => requests.length >= count, 'request'),
    waitForSocketCloses: (count) => waitUntil(() => closedSockets >= count, 'socket-close'),
    reset() {
      requests = [];
      queue = [];
      maxInFlight = inFlight;
      closedSockets = 0;
    },
    async close() {
      for (const controller of exchanges) controller.abort();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What `bytes()` / `sse()` do after the last piece. */
export type AfterBody = 'end' | 'hang' | 'destroy';

/** Options of `respond.bytes` and `respond.sse`. */
export interface PiecesOptions {
  status?: number;
  headers?: Record<string, string>;
  /** Byte offsets to cut the body at, ascending; each piece is a separate write. @defaultValue none: one write */
  splitAt?: readonly number[];
  /** Pause between pieces (real milliseconds; 0 = next macrotask). @defaultValue `1` */
  gapMs?: number;
  /** After the last piece: end the response, hang (never end), or destroy the socket. @defaultValue `'end'` */
  then?: AfterBody;
}

/** Ready-made handlers. */
export const respond = {
  /** Answers `body` as JSON with `status` and extra `headers`. */
  json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
    return ({ res }) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
  },

  /** Answers raw `text` (default content type `text/plain`). */
  text(status: number, text: string, headers: Record<string, string> = {}): Handler {
    return ({ res }) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
  },

  /** Writes `body` in pieces cut at `splitAt` (chunked encoding), pausing `gapMs` between them. */
  bytes(body: string | Buffer, options: PiecesOptions & { contentType?: string } = {}): Handler {
    const { status = 200, headers = {}, splitAt = [], gapMs = 1, then = 'end', contentType = 'application/octet-stream' } = options;
    const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return async ({ res, signal }) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache', ...headers });
      res.flushHeaders();
      for (const piece of cut(buffer, splitAt)) {
        if (signal.aborted) return;
        await write(res, piece);
        await pause(gapMs);
      }
      if (signal.aborted) return;
      if (then === 'end') res.end();
      else if (then === 'destroy') res.socket?.destroy();
      else await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    };
  },

  /** Streams an SSE transcript (`text/event-stream`), cut at `splitAt`; see `bytes`. */
  sse(transcript: string | Buffer, options: PiecesOptions = {}): Handler {
    return respond.bytes(transcript, { ...options, contentType: 'text/event-stream; charset=utf-8' });
  },

  /** Waits `ms` real milliseconds (or until the client leaves), then runs `handler`. */
  delay(ms: number, handler: Handler): Handler {
    return async (exchange) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        exchange.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
      if (!exchange.signal.aborted) await handler(exchange);
    };
  },

  /** Never answers; the request stays open until the client (or `close()`) ends it. */
  hang(): Handler {
    return ({ signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  },

  /** Resets the TCP connection without answering (the client sees ECONNRESET or "other side closed"). */
  resetSocket(): Handler {
    return ({ req }) => {
      const socket = req.socket as Socket & { resetAndDestroy?: () => void };
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
    };
  },

  /** Sends the head and the first `count` bytes of `body`, then destroys the socket (a drop mid-body). */
  dropAfter(count: number, body: string | Buffer, options: Omit<PiecesOptions, 'then'> & { contentType?: string } = {}): Handler {
    const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return respond.bytes(buffer.subarray(0, count), { ...options, then: 'destroy' });
  },

  /** Declares the full `content-length` of `body` but sends only `count` bytes, then destroys the socket. */
  truncated(status: number, body: string, count: number, contentType = 'application/json'): Handler {
    return async ({ res }) => {
      const buffer = Buffer.from(body, 'utf8');
      res.writeHead(status, { 'content-type': contentType, 'content-length': buffer.length });
      await write(res, buffer.subarray(0, count));
      res.socket?.destroy();
    };
  },

  /** Writes `pieceBytes`-byte pieces forever, until the client goes away. */
  endless(options: { status?: number; contentType?: string; pieceBytes?: number; piece?: string } = {}): Handler {
    const { status = 200, contentType = 'application/json', pieceBytes = 16 * 1024 } = options;
    const piece = Buffer.from(options.piece ?? ' '.repeat(pieceBytes), 'utf8');
    return async ({ res, signal }) => {
      res.writeHead(status, { 'content-type': contentType });
      while (!signal.aborted && !res.destroyed) {
        await write(res, piece);
        await pause(0);
      }
    };
  },

  /** Answers successive requests with successive handlers; the last one repeats. */
  sequence(...handlers: Handler[]): Handler {
    let next = 0;
    return (exchange) => {
      const handler = handlers[Math.min(next, handlers.length - 1)];
      next += 1;
      if (handler === undefined) throw new Error('respond.sequence() needs at least one handler');
      return handler(exchange);
    };
  },
};

/** Every byte offset strictly inside `length`, e.g. for splitting a transcript at each boundary. */
export function everyOffset(length: number): number[] {
  return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
}

function cut(buffer: Buffer, splitAt: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (const offset of splitAt) {
    if (offset <= start || offset >= buffer.length) continue;
    pieces.push(buffer.subarray(start, offset));
    start = offset;
  }
  pieces.push(buffer.subarray(start));
  return pieces;
}

function write(res: ServerResponse, piece: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    if (res.destroyed) return resolve();
    res.write(piece, () => resolve());
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => (ms <= 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));
}
