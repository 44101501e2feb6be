import { rateLimiter, redisLimiterStore, type RateLimiter, type RedisLimiterClient } from '../index.js';
import type { RunOptions } from './parse-run-args.js';
import { FatalCliError } from './usage-error.js';

/** A rate limiter whose budget lives in Redis, and the connection to close at the end of the run. */
export interface SharedLimiter {
  limiter: RateLimiter;
  close(): Promise<void>;
}

/** The node-redis client surface used here, beyond what the store needs. */
interface CliRedisClient extends RedisLimiterClient {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
}

/** Longest wait for the first connection to Redis. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * With `--redis`, connects to Redis (the optional `redis` package) and makes the run's limiter from `--rpm`/`--tpm`
 * on a `redisLimiterStore` named by `--limiter-key`; without it, `undefined` (the pipeline's own limiter).
 * Redis failing later fails the waiting request (recorded, so a resume sends it again).
 *
 * @throws FatalCliError when the package is missing or Redis cannot be reached; the message shows no password.
 */
export async function createSharedLimiter(options: RunOptions): Promise<SharedLimiter | undefined> {
  if (options.redis === undefined) return undefined;
  const where = withoutPassword(options.redis);
  let createClient: (options: object) => CliRedisClient;
  try {
    ({ createClient } = (await import('redis')) as unknown as { createClient: typeof createClient });
  } catch {
    throw new FatalCliError('--redis needs the redis package: npm install redis');
  }
  let connected = false;
  const client = createClient({
    url: options.redis,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // The first connection fails at once; a dropped one is retried, backing off up to 2 s.
      reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(100 * 2 ** retries, 2_000) : cause),
    },
  });
  client.on('error', () => undefined); // failures reach the store's calls, which name Redis
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no connection within ${CONNECT_TIMEOUT_MS / 1000}s`)), CONNECT_TIMEOUT_MS))),
    ]);
  } catch (error) {
    client.destroy();
    const reason = error instanceof Error ? error.message.replaceAll(options.redis, where) : 'unknown error';
    throw new FatalCliError(`--redis: cannot reach Redis at ${where}: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
  connected = true;
  const store = redisLimiterStore(client, { key: options.limiterKey });
  return {
    limiter: rateLimiter({ rpm: options.rpm, ...(options.tpm === undefined ? {} : { tpm: options.tpm }), store }),
    close: async () => {
      await client.close().catch(() => client.destroy());
    },
  };
}

/** The URL as printable: any password replaced by `***`. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = '***';
  return parsed.toString();
}
