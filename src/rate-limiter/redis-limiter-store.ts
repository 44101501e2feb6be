import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { LimiterStoreError } from '../errors/limiter-store-error.js';
import { Fifo } from '../internal/fifo.js';
import { validateOptions } from '../internal/validate-options.js';
import { memoryLimiterStore } from './memory-limiter-store.js';
import type { RateLimiterStore, RateLimits, ReserveRequest, ReserveResult, TokenParts } from './rate-limiter-store.js';
import { ADJUST_SCRIPT, PAUSE_SCRIPT, RESERVE_SCRIPT } from './redis-limiter-scripts.js';

/**
 * What `redisLimiterStore` needs of a Redis client: `EVAL` in node-redis's shape. A standalone, Sentinel or Cluster
 * client of the official `redis` package (node-redis 6) fits as it is.
 */
export interface RedisLimiterClient {
  /** Runs a Lua script (node-redis: `client.eval(script, { keys, arguments })`). */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** False while the client is closed; then the store calls `connect()` to reconnect. */
  readonly isOpen?: boolean;
  /** Opens the connection again (node-redis: `client.connect()`). */
  connect?(): Promise<unknown>;
}

/**
 * Options of `redisLimiterStore`.
 *
 * @example
 * ```ts
 * import type { RedisLimiterStoreOptions } from 'rxllm';
 * const options: RedisLimiterStoreOptions = { key: 'team-a', onUnavailable: 'degrade', expectedWorkers: 4 };
 * console.log(options);
 * ```
 */
export interface RedisLimiterStoreOptions {
  /** The shared budget's name: every worker with the same `key` (and limiter `key`) shares one budget. No `{` or `}`. */
  key: string;
  /**
   * When Redis does not answer within `timeout`: `'fail'` fails the waiting request with a `LimiterStoreError`
   * naming Redis; `'degrade'` paces this process alone at `1 / expectedWorkers` of the rates, warns once, and tries
   * Redis again every second (reconnecting a closed client), warning again when it is back.
   * @defaultValue `'fail'`
   */
  onUnavailable?: 'fail' | 'degrade';
  /** How many processes share the budget: the divisor of the rates while degraded. Required with `'degrade'`. */
  expectedWorkers?: number;
  /**
   * How long a worker may go without calling the store before the token estimates it holds (granted, not yet
   * settled) are given back to the others: a `kill -9` holds budget no longer than this. Keep it above the longest
   * request; a live worker reaped early has its settlement charged in full.
   * @defaultValue `120_000`
   */
  leaseMs?: number;
  /** Longest wait for one Redis call, in ms. @defaultValue `1_000` */
  timeout?: number;
  /** Receives the warnings of `'degrade'` mode. @defaultValue `process.emitWarning` */
  onWarning?: (message: string) => void;
}

/** A clock replacing Redis `TIME` (tests only): given the caller's clock, the store's now in ms. */
export type RedisLimiterClock = (callerNowMs: number) => number;

/** How often a degraded store asks Redis again. */
const RECHECK_MS = 1_000;

const optionsSchema = z
  .strictObject({
    key: z.string().min(1).regex(/^[^{}]*$/, 'must not contain { or } (the store adds the hash tag)'),
    onUnavailable: z.enum(['fail', 'degrade']).optional(),
    expectedWorkers: z.number().int().min(1).optional(),
    leaseMs: z.number().int().positive().optional(),
    timeout: z.number().positive().optional(),
    onWarning: z.custom<(message: string) => void>((value) => typeof value === 'function', 'expected a function').optional(),
  })
  .refine((options) => options.onUnavailable !== 'degrade' || options.expectedWorkers !== undefined, {
    path: ['expectedWorkers'],
    message: "required when onUnavailable is 'degrade'",
  });

const clientSchema = z.custom<RedisLimiterClient>(
  (value) => typeof value === 'object' && value !== null && typeof (value as { eval?: unknown }).eval === 'function',
  'expected a Redis client with eval() (e.g. createClient() of the redis package)',
);

/** A granted reservation whose settlement has not arrived yet: by name, or (unnamed) oldest first per limiter key. */
interface Held {
  /** The estimates charged at the grant: total tokens (with `tpm`), input and output tokens (with their limits). */
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  /** The Redis lease holding `tokens`, '' when none; undefined when granted by the local fallback. */
  lease: string | undefined;
  /** When it was granted (`Date.now()`): past the lease, Redis has released it and the entry is dropped unsettled. */
  at?: number;
}

/**
 * A `RateLimiterStore` in Redis, so limiters in many processes share one budget. Each operation is one atomic Lua
 * script timed by the Redis server's `TIME` (the callers' clocks may disagree: `nowMs` is only used to turn a pause
 * into a duration). Requests and tokens are paced by GCRA on that clock, keeping the grid (a request at most one
 * interval late keeps its slot). The token estimates a worker holds are leased: if it stops calling for `leaseMs`
 * (crashed), the others get them back. All keys of one budget share the hash tag `{key}`, so Cluster works.
 *
 * Every call waits at most `timeout` ms. If Redis is unreachable, `onUnavailable: 'fail'` rejects with a
 * `LimiterStoreError` (the limiter fails the waiting request), `'degrade'` paces locally at the rates divided by
 * `expectedWorkers` with a warning, and returns to Redis when it answers again. Throws `InvalidOptionsError` naming
 * the field for bad options. The client stays yours: connect it before use and close it after.
 *
 * @param client - a connected node-redis client (standalone, Sentinel or Cluster), or anything with its `eval`.
 * @param options - `key` (required), `onUnavailable`, `expectedWorkers`, `leaseMs`, `timeout`, `onWarning`.
 * @returns A store to pass as `rateLimiter({ store })`.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { rateLimiter, redisLimiterStore } from 'rxllm';
 * const client = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
 * client.on('error', () => undefined); // failures reach the store's calls
 * await client.connect();
 * const store = redisLimiterStore(client, { key: 'team-a', onUnavailable: 'degrade', expectedWorkers: 4 });
 * const limiter = rateLimiter({ rpm: 500, tpm: 200_000, store });
 * limiter.acquire({ tokens: 1_000 }).subscribe((reservation) => {
 *   console.log('may send');
 *   reservation.settle(400);
 *   void client.close();
 * });
 * ```
 */
export function redisLimiterStore(client: RedisLimiterClient, options: RedisLimiterStoreOptions): RateLimiterStore {
  return createRedisLimiterStore(client, options);
}

/** `redisLimiterStore` with an optional clock in place of Redis `TIME` (contract and skew tests). */
export function createRedisLimiterStore(client: RedisLimiterClient, options: RedisLimiterStoreOptions, clock?: RedisLimiterClock): RateLimiterStore {
  validateOptions(clientSchema, client, 'redisLimiterStore() client');
  const parsed = validateOptions(optionsSchema, options, 'redisLimiterStore() options');
  const budget = parsed.key;
  const leaseMs = parsed.leaseMs ?? 120_000;
  const timeout = parsed.timeout ?? 1_000;
  const workers = parsed.expectedWorkers ?? 1;
  const warn = parsed.onWarning ?? ((message: string) => process.emitWarning(message, 'RxllmWarning'));
  const worker = randomUUID();
  const fallback = memoryLimiterStore();
  const held = new Map<string, Fifo<Held>>();
  const named = new Map<string, Held>();
  let leaseCount = 0;
  let lease = '';
  let degraded = false;
  let retryAt = 0;

  const run = async (script: string, key: string, limits: RateLimits, callerNow: number, extra: string[]): Promise<unknown> => {
    const hashKey = `rxllm:{${budget}}:${key}`;
    const args = [
      clock === undefined ? '' : String(clock(callerNow)),
      String(leaseMs),
      String(limits.rpm),
      String(limits.burst),
      limits.tpm === undefined ? '' : String(limits.tpm),
      String(limits.tokenBurst),
      limits.inputTpm === undefined ? '' : String(limits.inputTpm),
      String(limits.inputTokenBurst ?? (limits.inputTpm ?? 0) / 60),
      limits.outputTpm === undefined ? '' : String(limits.outputTpm),
      String(limits.outputTokenBurst ?? (limits.outputTpm ?? 0) / 60),
      lease,
      ...extra,
    ];
    return await withTimeout(client.eval(script, { keys: [hashKey, `${hashKey}:held`, `${hashKey}:leases`], arguments: args }), timeout);
  };

  /** Runs `shared` against Redis, or `local` while degraded; applies `onUnavailable` when Redis fails. */
  const either = async <T>(shared: () => Promise<T>, local: () => T): Promise<T> => {
    if (degraded && Date.now() < retryAt) return local();
    try {
      const result = await shared();
      if (degraded) {
        degraded = false;
        warn(`rxllm: Redis limiter store (budget "${budget}") is reachable again; sharing the budget.`);
      }
      return result;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (parsed.onUnavailable !== 'degrade') {
        throw new LimiterStoreError(`Redis limiter store (budget "${budget}") unavailable: ${reason}`, { cause: error });
      }
      if (!degraded) {
        warn(`rxllm: Redis limiter store (budget "${budget}") unavailable (${reason}); pacing this process at 1/${workers} of the limits until it answers.`);
      }
      degraded = true;
      retryAt = Date.now() + RECHECK_MS;
      reconnect(client);
      return local();
    }
  };

  const share = (limits: RateLimits): RateLimits => ({
    ...limits,
    rpm: limits.rpm / workers,
    burst: Math.max(1, Math.floor(limits.burst / workers)),
    ...(limits.tpm === undefined ? {} : { tpm: limits.tpm / workers }),
    tokenBurst: limits.tokenBurst / workers,
    ...(limits.inputTpm === undefined ? {} : { inputTpm: limits.inputTpm / workers, inputTokenBurst: (limits.inputTokenBurst ?? limits.inputTpm / 60) / workers }),
    ...(limits.outputTpm === undefined ? {} : { outputTpm: limits.outputTpm / workers, outputTokenBurst: (limits.outputTokenBurst ?? limits.outputTpm / 60) / workers }),
  });

  /** What a grant of `request` charged, to settle against later; `undefined` when it charged no tokens. */
  const charged = (request: ReserveRequest, lease: string | undefined): Held | undefined => {
    const entry: Held = {
      tokens: request.tpm === undefined ? 0 : count(request.tokens),
      inputTokens: request.inputTpm === undefined ? 0 : count(request.inputTokens),
      outputTokens: request.outputTpm === undefined ? 0 : count(request.outputTokens),
      lease,
    };
    return request.tpm === undefined && request.inputTpm === undefined && request.outputTpm === undefined ? undefined : entry;
  };

  const hold = (key: string, entry: Held, reservation: string | undefined): void => {
    if (reservation !== undefined) {
      const now = Date.now();
      entry.at = now;
      named.set(`${key}\n${reservation}`, entry);
      // A turn that is never settled (a failed attempt keeps its estimate) must not stay here for the life of the
      // process: entries are in grant order, so the expired ones are at the front.
      for (const [name, oldest] of named) {
        if ((oldest.at ?? now) > now - leaseMs) break;
        named.delete(name);
      }
      return;
    }
    let queue = held.get(key);
    if (queue === undefined) {
      queue = new Fifo<Held>();
      held.set(key, queue);
    }
    queue.push(entry);
  };

  const take = (name: string): Held | undefined => {
    const entry = named.get(name);
    named.delete(name);
    return entry;
  };

  return {
    reserve: (key: string, request: ReserveRequest, nowMs: number): Promise<ReserveResult> =>
      either(
        async () => {
          leaseCount += 1;
          const counts = [request.tokens, request.inputTokens ?? 0, request.outputTokens ?? 0].map(String);
          const pace = [request.successes === undefined ? '' : String(count(request.successes)), request.adaptedRpm === undefined ? '' : String(request.adaptedRpm)];
          const reply = await run(RESERVE_SCRIPT, key, request, nowMs, [...counts, `${worker}:${leaseCount}`, ...pace]);
          const { granted, waitMs, lease: grantedLease, shared } = parseReserveReply(reply);
          if (grantedLease !== '') lease = grantedLease;
          const entry = granted ? charged(request, grantedLease) : undefined;
          if (entry !== undefined) hold(key, entry, request.reservation);
          return { granted, waitMs, ...shared };
        },
        () => {
          const result = fallback.reserve(key, { ...request, ...share(request) }, nowMs);
          const entry = result.granted ? charged(request, undefined) : undefined;
          if (entry !== undefined) hold(key, entry, request.reservation);
          return result;
        },
      ),
    adjust: async (key: string, tokens: number, limits: RateLimits, nowMs: number, parts?: TokenParts, reservation?: string): Promise<void> => {
      // A named settlement finds its own reservation (a second settlement of it finds none: a plain correction).
      // Unnamed ones are matched to reservations oldest first: exact in total once each has settled exactly once.
      const entry = reservation === undefined ? held.get(key)?.shift() : take(`${key}\n${reservation}`);
      if (entry === undefined && tokens === 0 && !(parts?.inputTokens ?? 0) && !(parts?.outputTokens ?? 0)) return; // nothing to correct or release
      const local = (): void => (parts === undefined ? fallback.adjust(key, tokens, share(limits), nowMs) : fallback.adjust(key, tokens, share(limits), nowMs, parts));
      if (entry !== undefined && entry.lease === undefined) {
        local();
        return;
      }
      const args = [tokens, entry?.tokens ?? 0, parts?.inputTokens ?? 0, entry?.inputTokens ?? 0, parts?.outputTokens ?? 0, entry?.outputTokens ?? 0].map(String);
      await either(async () => void (await run(ADJUST_SCRIPT, key, limits, nowMs, [...args, entry?.lease ?? ''])), local);
    },
    pauseUntil: async (key: string, untilMs: number, limits: RateLimits, nowMs: number): Promise<void> => {
      if (!Number.isFinite(untilMs) || !Number.isFinite(nowMs) || untilMs <= nowMs) return;
      await either(
        async () => void (await run(PAUSE_SCRIPT, key, limits, nowMs, [String(untilMs - nowMs)])),
        () => fallback.pauseUntil(key, untilMs, share(limits), nowMs),
      );
    },
  };
}

/** A token count as the stores read it: finite and above 0, else 0. */
function count(tokens: number | undefined): number {
  return typeof tokens === 'number' && Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
}

/** The shared adaptive pace of a reserve answer (`ReserveResult.successes`, `adaptedRpm`, `adaptedAgeMs`). */
type SharedPace = Pick<ReserveResult, 'successes' | 'adaptedRpm' | 'adaptedAgeMs'>;

/** node-redis answers the reserve script's `{ granted, waitMs, lease, successes, adaptedRpm, adaptedAgeMs }` as an array. */
function parseReserveReply(reply: unknown): { granted: boolean; waitMs: number; lease: string; shared: SharedPace } {
  if (Array.isArray(reply) && reply.length === 6) {
    const [granted, waitMs, lease, successes, adaptedRpm, adaptedAgeMs] = reply as unknown[];
    if (typeof granted === 'number' && typeof waitMs === 'number' && typeof lease === 'string') {
      const shared: SharedPace = {};
      if (typeof successes === 'string' && successes !== '') shared.successes = Number(successes);
      if (typeof adaptedRpm === 'string' && adaptedRpm !== '' && typeof adaptedAgeMs === 'string') {
        shared.adaptedRpm = Number(adaptedRpm);
        shared.adaptedAgeMs = Number(adaptedAgeMs);
      }
      return { granted: granted === 1, waitMs, lease, shared };
    }
  }
  throw new Error(`unexpected reply to the reserve script: ${JSON.stringify(reply)}`);
}

/** `promise`, or a rejection after `ms`; a late answer is dropped. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a closed client again in the background (its own reconnect strategy handles a dropped socket). */
function reconnect(client: RedisLimiterClient): void {
  if (client.isOpen !== false || typeof client.connect !== 'function') return;
  try {
    client.connect().catch(() => undefined);
  } catch {
    // a client that refuses to connect stays degraded; the next recheck tries again
  }
}
