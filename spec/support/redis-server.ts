/**
 * A real `redis-server` for the Redis store tests: started on a free port of 127.0.0.1 with no persistence, stopped
 * by its PID. Tests skip when `redis-server` is missing, except when `CI` is set, where they fail (SPEC, "Tests and CI").
 *
 * ```ts
 * describe.skipIf(skipRedis)('…', () => {
 *   let redis: RedisServer;
 *   beforeAll(async () => { redis = await startRedisServer(); });   // redis.url: 'redis://127.0.0.1:PORT'
 *   afterAll(() => redis.stop());
 * });
 * ```
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The `redis-server` binary: `REDIS_SERVER` or the one on PATH. */
export const redisServerPath = process.env.REDIS_SERVER ?? 'redis-server';

/** True when Redis tests should be skipped: no `redis-server` here and not in CI. */
export const skipRedis = spawnSync(redisServerPath, ['--version']).status !== 0 && process.env.CI === undefined;

/** A running `redis-server`. */
export interface RedisServer {
  port: number;
  url: string;
  pid: number;
  /** Stops it (SIGTERM by PID) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`). */
  restart(): Promise<void>;
}

/** Starts `redis-server` on a free port of 127.0.0.1 and resolves once it accepts connections. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rxllm-redis-'));
  let child = await launch(port, dir);
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop: async () => {
      await terminate(child);
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      child = await launch(port, mkdtempSync(join(tmpdir(), 'rxllm-redis-')));
      server.pid = child.pid ?? 0;
    },
  };
  return server;
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
  const child = spawn(redisServerPath, args, { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  await Promise.race([waitForPort(port), failed]);
  child.removeAllListeners('exit');
  child.removeAllListeners('error');
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Resolves once a TCP connection to the port succeeds (a ceiling of 10 s catches a server that never starts). */
async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
