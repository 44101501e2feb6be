/**
 * A raw TCP server on 127.0.0.1 that reads one HTTP request per connection and answers with whatever bytes it is
 * told — head included — so that tests can send responses no `node:http` server would: a broken status line,
 * lying `content-length`, broken chunked framing, bytes after the end, or no response at all.
 *
 * ```ts
 * const raw = await startRawServer();
 * raw.script(() => ({ bytes: Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhel'), then: 'hang' }));
 * // … point a client at raw.url …
 * raw.openSockets; raw.connections; await raw.close();
 * ```
 */
import { createServer, type Socket } from 'node:net';

/** What the server does for one request. */
export interface RawAnswer {
  /** Everything written back, head and body. */
  bytes: Buffer;
  /** Byte offsets to cut `bytes` at; each piece is a separate write, one event-loop turn apart. */
  cuts?: readonly number[];
  /** After the last piece: half-close (FIN), destroy (RST-ish), or leave the socket open. @defaultValue `'end'` */
  then?: 'end' | 'destroy' | 'hang';
}

/** A running raw server. */
export interface RawServer {
  readonly url: string;
  /** Requests read so far. */
  readonly requests: number;
  readonly connections: number;
  readonly openSockets: number;
  /** Chooses the answer to each request (called with the request's 0-based number). */
  script(answer: (request: number) => RawAnswer): void;
  /** Resolves once every socket is closed. */
  socketsClosed(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the server on a random port. */
export async function startRawServer(): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const waiters: (() => void)[] = [];
  let requests = 0;
  let connections = 0;
  let answer: (request: number) => RawAnswer = () => ({ bytes: Buffer.from('HTTP/1.1 500 No Script\r\ncontent-length: 0\r\n\r\n') });

  const server = createServer((socket) => {
    sockets.add(socket);
    connections += 1;
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const wake of waiters.splice(0)) wake();
    });
    // One request at a time; a socket left open ('hang') may carry the client's next request (keep-alive).
    let buffered = Buffer.alloc(0);
    let answering = false;
    const onData = (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      if (answering) return;
      const headEnd = buffered.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const head = buffered.subarray(0, headEnd).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < headEnd + 4 + length) return;
      buffered = buffered.subarray(headEnd + 4 + length);
      answering = true;
      void write(socket, answer(requests++)).then(() => {
        answering = false;
        if (buffered.length > 0) onData(Buffer.alloc(0));
      });
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    get openSockets() {
      return sockets.size;
    },
    script(next) {
      answer = next;
    },
    socketsClosed: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function write(socket: Socket, { bytes, cuts = [], then = 'end' }: RawAnswer): Promise<void> {
  let start = 0;
  for (const cut of [...cuts.filter((offset) => offset > 0 && offset < bytes.length), bytes.length]) {
    if (cut <= start) continue;
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => socket.write(bytes.subarray(start, cut), () => resolve()));
    start = cut;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (socket.destroyed) return;
  if (then === 'end') socket.end();
  else if (then === 'destroy') socket.destroy();
}

/** `HTTP/1.1 <status> <reason>` plus headers, as bytes, ending with the blank line. */
export function httpHead(status: number | string, headers: Record<string, string>, reason = 'X'): Buffer {
  const lines = [`HTTP/1.1 ${status} ${reason}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** `body` in HTTP/1.1 chunked encoding, one chunk per piece, with the final zero chunk. */
export function chunked(body: Buffer, pieceBytes = 64): Buffer {
  const parts: Buffer[] = [];
  for (let start = 0; start < body.length; start += pieceBytes) {
    const piece = body.subarray(start, start + pieceBytes);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, Buffer.from('\r\n', 'latin1'));
  }
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'));
  return Buffer.concat(parts);
}
