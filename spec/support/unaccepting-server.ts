/**
 * A TCP listener on 127.0.0.1 that never accepts: it runs in a worker thread whose event loop is blocked, with a
 * listen backlog of 1. `fillBacklog()` opens connections until the kernel's accept queue is full, after which a new
 * connection attempt gets no SYN-ACK and hangs in connect — a real connect timeout on loopback (Linux drops SYNs to
 * a listener whose accept queue is full).
 *
 * ```ts
 * const listener = await startUnacceptingServer();
 * const filled = await listener.fillBacklog();   // false: this OS completes the handshake anyway
 * // … connect to listener.port and expect a connect timeout …
 * await listener.close();
 * ```
 */
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

/** A listener that never accepts. */
export interface UnacceptingServer {
  port: number;
  /**
   * Opens connections until one does not complete within `probeMs`; resolves `true` when the queue is full
   * (connect attempts now hang), `false` when `maxSockets` connections all completed.
   */
  fillBacklog(options?: { probeMs?: number; maxSockets?: number }): Promise<boolean>;
  close(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const server = net.createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Block this thread's event loop, so nothing is ever accepted, until the main thread says stop.
  Atomics.wait(workerData, 0, 0);
  server.close();
  process.exit(0);
});
`;

/** Starts the listener. */
export async function startUnacceptingServer(): Promise<UnacceptingServer> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: stop });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const sockets: Socket[] = [];

  const tryConnect = (probeMs: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      sockets.push(socket);
      socket.on('error', () => undefined);
      const timer = setTimeout(() => resolve(false), probeMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  return {
    port,
    async fillBacklog({ probeMs = 200, maxSockets = 16 } = {}) {
      for (let i = 0; i < maxSockets; i += 1) {
        if (!(await tryConnect(probeMs))) return true;
      }
      return false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      Atomics.store(stop, 0, 1);
      Atomics.notify(stop, 0);
      await new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    },
  };
}
