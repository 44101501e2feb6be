import { z } from 'zod';
import { validateOptions } from '../internal/validate-options.js';
import { FAULT_KINDS, type FaultKind } from './fault-kinds.js';

/**
 * How the server-enforced limits (`rpmLimit`, `tpmLimit`) count.
 *
 * @example
 * ```ts
 * import { startMockServer, type MockRateLimitAlgorithm } from 'rxllm/testing';
 * const rateLimitAlgorithm: MockRateLimitAlgorithm = 'token-bucket';
 * const server = await startMockServer({ rpmLimit: 100, windowMs: 1000, rateLimitAlgorithm });
 * await server.close();
 * ```
 */
export type MockRateLimitAlgorithm = 'sliding-window' | 'token-bucket' | 'fixed-window';

/**
 * What the mock's rate-limit headers say. `standard`: the provider's own headers for the limits it enforces;
 * `per-day-requests`: as Groq, whose `x-ratelimit-{limit,remaining,reset}-requests` count requests per day
 * (`requestsPerDay`) while the enforced per-window request limit is announced nowhere (token headers stay per
 * window); `none`: no rate-limit headers and no `retry-after` at all, and a 429 whose body gives no wait (as
 * gateways such as LiteLLM answer).
 *
 * @example
 * ```ts
 * import { startMockServer, type MockRateLimitHeaders } from 'rxllm/testing';
 * const rateLimitHeaders: MockRateLimitHeaders = 'none';
 * const server = await startMockServer({ rpmLimit: 100, rateLimitAlgorithm: 'fixed-window', rateLimitHeaders });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export type MockRateLimitHeaders = 'standard' | 'per-day-requests' | 'none';

/**
 * Options of `startMockServer`. Every field is optional; unknown fields are errors (`InvalidOptionsError`
 * naming the field).
 *
 * @example
 * ```ts
 * import { startMockServer, type MockServerOptions } from 'rxllm/testing';
 * const options: MockServerOptions = {
 *   latencyMs: [50, 200], tokensPerSecond: 100, seed: 42,
 *   faults: { '500': 0.05, '503': 0.03, reset: 0.02, '429': 0.01 },
 *   rpmLimit: 100, windowMs: 1000, // 6,000 RPM, scaled down to one second
 * };
 * const server = await startMockServer(options);
 * await server.close();
 * ```
 */
export interface MockServerOptions {
  /** TCP port; `0` picks a free one. @defaultValue `0` */
  port?: number;
  /** Interface to listen on. @defaultValue `'127.0.0.1'` */
  host?: string;
  /**
   * Time before each answer starts, in ms: a number, or `[min, max]` for a spread chosen deterministically from
   * the seed and the prompt key. The `x-mock-latency-ms` request header overrides it. @defaultValue `0`
   */
  latencyMs?: number | readonly [number, number];
  /** Streaming pace in tokens per second; `0` sends every chunk at once. @defaultValue `0` */
  tokensPerSecond?: number;
  /** Tokens per stream chunk (SSE event). @defaultValue `1` */
  chunkTokens?: number;
  /**
   * Tokens in each text answer, before `max_tokens` cuts it (then `finish_reason` is `length`).
   * The `x-mock-answer-tokens` request header overrides it. @defaultValue `16`
   */
  answerTokens?: number;
  /** Model name answered when a request names none. @defaultValue `'mock-model'` */
  model?: string;
  /** Models listed by `GET /v1/models`. @defaultValue `[model]` */
  models?: string[];
  /** Seed of the PRNG that picks faults, latencies and answer words. @defaultValue `1` */
  seed?: number;
  /**
   * Fault rates by kind, each in [0, 1], summing to at most 1. Each chat request draws once from the seeded
   * PRNG (in arrival order) to pick at most one fault. The `x-mock-fault` header forces one (or `none`).
   * @defaultValue `{}`
   */
  faults?: Partial<Record<FaultKind, number>>;
  /** `retry-after-ms` sent with injected `429` faults (`retry-after` is its ceiling in seconds). @defaultValue `100` */
  faultRetryAfterMs?: number;
  /** Requests allowed per `windowMs`; beyond it the server answers 429. @defaultValue no limit */
  rpmLimit?: number;
  /** Tokens (input + output of the answer) allowed per `windowMs`; beyond it the server answers 429. @defaultValue no limit */
  tpmLimit?: number;
  /** Length of the rate-limit window in ms; benchmarks scale it down with the limits. @defaultValue `60000` */
  windowMs?: number;
  /**
   * `sliding-window`: never more than the limit within any `windowMs` (strict);
   * `token-bucket`: a full bucket of `limit` that refills continuously over `windowMs` (like most real APIs);
   * `fixed-window`: `limit` per window, all of it back at each window's start (as many gateways count).
   * @defaultValue `'sliding-window'`
   */
  rateLimitAlgorithm?: MockRateLimitAlgorithm;
  /** What the rate-limit headers say (see `MockRateLimitHeaders`). @defaultValue `'standard'` */
  rateLimitHeaders?: MockRateLimitHeaders;
  /**
   * Announce the limits per minute, as OpenAI's `x-ratelimit-limit-*` (RPM, TPM) and Anthropic's
   * `anthropic-ratelimit-*-limit` mean them, when `windowMs` scales the minute down: the limit headers say
   * `limit × 60000 / windowMs`, while `remaining` stays what is left and `reset` the real milliseconds until the budget
   * is back in full. A client pacing at `remaining / reset` then reads the scaled server as the real one.
   * @defaultValue `false` (the limit headers say the limit per `windowMs`)
   */
  limitHeadersPerMinute?: boolean;
  /** The per-day request count `rateLimitHeaders: 'per-day-requests'` announces. @defaultValue `14400` */
  requestsPerDay?: number;
  /**
   * The share of each limit (`rpmLimit`, `tpmLimit`) that simulated other traffic on the same key consumes, in
   * [0, 1): it spends that share of the budget evenly over time, so the headers' `remaining` falls faster than this
   * client spends and only the rest is left for it. @defaultValue `0`
   */
  otherTrafficShare?: number;
  /** Count successful deliveries per prompt key (for duplicate detection). Costs a Map entry per key. @defaultValue `true` */
  trackDeliveries?: boolean;
  /** Where an `endless-body` fault stops writing if the client never disconnects. @defaultValue `64 MiB` */
  endlessBodyMaxBytes?: number;
  /** When set, requests must carry it (`Authorization: Bearer …` or `x-api-key`), else 401. @defaultValue none */
  apiKey?: string;
  /**
   * The share of each prompt's tokens reported as read from a prompt cache, in [0, 1]: OpenAI's
   * `prompt_tokens_details.cached_tokens` (part of `prompt_tokens`), Anthropic's `cache_read_input_tokens` (apart from
   * `input_tokens`). @defaultValue `0`
   */
  cachedInputShare?: number;
  /**
   * How long a batch takes (both Batch APIs), from create to its end: OpenAI's `validating` for the first 10 %, then
   * `in_progress` while the items finish one by one until 90 %, then `finalizing`; Anthropic's `in_progress` until it
   * has `ended`. `0` ends every batch at once. @defaultValue `1000`
   */
  batchDelayMs?: number;
  /**
   * Share of batch items answered with a server error (OpenAI: a 500 line in the error file; Anthropic: an `errored`
   * result), in [0, 1], chosen deterministically from the seed and each `custom_id`. @defaultValue `0`
   */
  batchErrorRate?: number;
  /**
   * Share of batches, in [0, 1] each, drawn from the seeded PRNG at create: `failed` fails validation (OpenAI: status
   * `failed` with `errors.data`; Anthropic: every request `errored`); `expired` ends halfway through processing, the
   * unfinished items expired. The `x-mock-batch-fault: failed | expired | none` header on a create forces one.
   * @defaultValue `{}`
   */
  batchFaults?: { failed?: number; expired?: number };
  /**
   * OpenAI's enqueued-token limit per model: input tokens of the batches not yet ended. A batch that would exceed
   * it is created, then turns `failed` with code `token_limit_exceeded`. @defaultValue no limit
   */
  batchEnqueuedTokenLimit?: number;
  /** Requests allowed in one batch. @defaultValue `50000` (OpenAI), `100000` (Anthropic) */
  batchMaxRequests?: number;
  /**
   * Bytes allowed in one batch: OpenAI's input file (checked at batch create), Anthropic's create body (else 413).
   * @defaultValue 200 MiB (OpenAI), 256 MiB (Anthropic)
   */
  batchMaxBytes?: number;
  /** Clock of the batch lifecycle, in ms since the epoch: tests pass their own and move it. @defaultValue `Date.now` */
  clock?: () => number;
  /**
   * Share of flex requests (`service_tier: "flex"`) refused for lack of capacity, as the providers do: OpenAI's 429
   * "Resource Unavailable", or Groq's 498 `capacity_exceeded` (`flexRefusalStatus`). @defaultValue `0`
   */
  flexRefusalShare?: number;
  /** Status of a flex capacity refusal: `429` (OpenAI) or `498` (Groq). @defaultValue `429` */
  flexRefusalStatus?: 429 | 498;
  /** Models without the flex and priority tiers: a request for either gets a 400 with `param: "service_tier"`. @defaultValue `[]` */
  modelsWithoutTiers?: string[];
  /** Flex answers take this many times the latency (`latencyMs`). @defaultValue `2` */
  flexLatencyFactor?: number;
}

/** `MockServerOptions` with defaults applied and faults turned into a cumulative table. */
export interface ResolvedMockServerOptions {
  port: number;
  host: string;
  latencyMin: number;
  latencySpan: number;
  tokensPerSecond: number;
  chunkTokens: number;
  answerTokens: number;
  model: string;
  models: string[];
  seed: number;
  faultKinds: FaultKind[];
  /** Cumulative upper bounds matching `faultKinds`. */
  faultBounds: number[];
  faultRetryAfterMs: number;
  rpmLimit: number | undefined;
  tpmLimit: number | undefined;
  windowMs: number;
  rateLimitAlgorithm: MockRateLimitAlgorithm;
  rateLimitHeaders: MockRateLimitHeaders;
  limitHeadersPerMinute: boolean;
  requestsPerDay: number;
  otherTrafficShare: number;
  trackDeliveries: boolean;
  endlessBodyMaxBytes: number;
  apiKey: string | undefined;
  cachedInputShare: number;
  batchDelayMs: number;
  batchErrorRate: number;
  batchFailedRate: number;
  batchExpiredRate: number;
  batchEnqueuedTokenLimit: number | undefined;
  batchMaxRequests: number | undefined;
  batchMaxBytes: number | undefined;
  clock: () => number;
  flexRefusalShare: number;
  flexRefusalStatus: 429 | 498;
  modelsWithoutTiers: string[];
  flexLatencyFactor: number;
}

const milliseconds = z.number().min(0).max(3_600_000);
const rate = z.number().min(0).max(1);

const optionsSchema = z
  .strictObject({
    port: z.number().int().min(0).max(65_535).optional(),
    host: z.string().min(1).optional(),
    latencyMs: z
      .union([milliseconds, z.tuple([milliseconds, milliseconds])])
      .refine((value) => typeof value === 'number' || value[0] <= value[1], 'expected [min, max] with min <= max')
      .optional(),
    tokensPerSecond: z.number().min(0).optional(),
    chunkTokens: z.number().int().min(1).optional(),
    answerTokens: z.number().int().min(1).max(1_000_000).optional(),
    model: z.string().min(1).optional(),
    models: z.array(z.string().min(1)).min(1).optional(),
    seed: z.number().int().optional(),
    faults: z
      .partialRecord(z.enum(FAULT_KINDS), rate)
      .refine((faults) => sumRates(faults) <= 1 + 1e-9, 'expected the fault rates to add up to at most 1')
      .optional(),
    faultRetryAfterMs: milliseconds.optional(),
    rpmLimit: z.number().int().positive().optional(),
    tpmLimit: z.number().int().positive().optional(),
    windowMs: z.number().int().positive().max(86_400_000).optional(),
    rateLimitAlgorithm: z.enum(['sliding-window', 'token-bucket', 'fixed-window']).optional(),
    rateLimitHeaders: z.enum(['standard', 'per-day-requests', 'none']).optional(),
    limitHeadersPerMinute: z.boolean().optional(),
    requestsPerDay: z.number().int().positive().optional(),
    otherTrafficShare: z.number().min(0).lt(1).optional(),
    trackDeliveries: z.boolean().optional(),
    endlessBodyMaxBytes: z.number().int().positive().optional(),
    apiKey: z.string().min(1).optional(),
    cachedInputShare: rate.optional(),
    batchDelayMs: z.number().min(0).max(86_400_000).optional(),
    batchErrorRate: rate.optional(),
    batchFaults: z
      .strictObject({ failed: rate.optional(), expired: rate.optional() })
      .refine((faults) => (faults.failed ?? 0) + (faults.expired ?? 0) <= 1 + 1e-9, 'expected the rates to add up to at most 1')
      .optional(),
    batchEnqueuedTokenLimit: z.number().int().positive().optional(),
    batchMaxRequests: z.number().int().positive().optional(),
    batchMaxBytes: z.number().int().positive().optional(),
    clock: z.custom<() => number>((value) => typeof value === 'function', 'expected a function returning ms since the epoch').optional(),
    flexRefusalShare: rate.optional(),
    flexRefusalStatus: z.union([z.literal(429), z.literal(498)]).optional(),
    modelsWithoutTiers: z.array(z.string().min(1)).optional(),
    flexLatencyFactor: z.number().min(1).max(100).optional(),
  })
  .optional();

/**
 * Validates `MockServerOptions` (throwing `InvalidOptionsError` naming the field) and applies the defaults.
 */
export function resolveMockServerOptions(options: MockServerOptions | undefined): ResolvedMockServerOptions {
  const parsed = validateOptions(optionsSchema, options, 'startMockServer() options') ?? {};
  const latency = parsed.latencyMs ?? 0;
  const [latencyMin, latencyMax] = typeof latency === 'number' ? [latency, latency] : latency;
  const faultKinds: FaultKind[] = [];
  const faultBounds: number[] = [];
  let cumulative = 0;
  for (const kind of FAULT_KINDS) {
    const value = parsed.faults?.[kind];
    if (value === undefined || value === 0) continue;
    cumulative += value;
    faultKinds.push(kind);
    faultBounds.push(cumulative);
  }
  const model = parsed.model ?? 'mock-model';
  return {
    port: parsed.port ?? 0,
    host: parsed.host ?? '127.0.0.1',
    latencyMin,
    latencySpan: latencyMax - latencyMin,
    tokensPerSecond: parsed.tokensPerSecond ?? 0,
    chunkTokens: parsed.chunkTokens ?? 1,
    answerTokens: parsed.answerTokens ?? 16,
    model,
    models: parsed.models ?? [model],
    seed: parsed.seed ?? 1,
    faultKinds,
    faultBounds,
    faultRetryAfterMs: parsed.faultRetryAfterMs ?? 100,
    rpmLimit: parsed.rpmLimit,
    tpmLimit: parsed.tpmLimit,
    windowMs: parsed.windowMs ?? 60_000,
    rateLimitAlgorithm: parsed.rateLimitAlgorithm ?? 'sliding-window',
    rateLimitHeaders: parsed.rateLimitHeaders ?? 'standard',
    limitHeadersPerMinute: parsed.limitHeadersPerMinute ?? false,
    requestsPerDay: parsed.requestsPerDay ?? 14_400,
    otherTrafficShare: parsed.otherTrafficShare ?? 0,
    trackDeliveries: parsed.trackDeliveries ?? true,
    cachedInputShare: parsed.cachedInputShare ?? 0,
    flexRefusalShare: parsed.flexRefusalShare ?? 0,
    flexRefusalStatus: parsed.flexRefusalStatus ?? 429,
    modelsWithoutTiers: parsed.modelsWithoutTiers ?? [],
    flexLatencyFactor: parsed.flexLatencyFactor ?? 2,
    endlessBodyMaxBytes: parsed.endlessBodyMaxBytes ?? 64 * 1024 * 1024,
    apiKey: parsed.apiKey,
    batchDelayMs: parsed.batchDelayMs ?? 1000,
    batchErrorRate: parsed.batchErrorRate ?? 0,
    batchFailedRate: parsed.batchFaults?.failed ?? 0,
    batchExpiredRate: parsed.batchFaults?.expired ?? 0,
    batchEnqueuedTokenLimit: parsed.batchEnqueuedTokenLimit,
    batchMaxRequests: parsed.batchMaxRequests,
    batchMaxBytes: parsed.batchMaxBytes,
    clock: parsed.clock ?? Date.now,
  };
}

function sumRates(faults: Partial<Record<string, number>>): number {
  let sum = 0;
  for (const value of Object.values(faults)) sum += value ?? 0;
  return sum;
}
