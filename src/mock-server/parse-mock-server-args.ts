import { parseArgs } from 'node:util';
import { InvalidOptionsError } from '../errors/llm-error.js';
import { COMMON_RETRYABLE_FAULTS, FAULT_KINDS, type FaultKind, isFaultKind } from './fault-kinds.js';
import type { MockRateLimitAlgorithm, MockRateLimitHeaders, MockServerOptions } from './mock-server-options.js';

/**
 * Usage text of `rxllm mock-server` (printed by `--help`).
 *
 * @example
 * ```ts
 * import { MOCK_SERVER_USAGE } from 'rxllm/testing';
 * console.log(MOCK_SERVER_USAGE);
 * ```
 */
export const MOCK_SERVER_USAGE = `Usage: rxllm mock-server [options]

Starts a local OpenAI- and Anthropic-compatible chat server with deterministic answers,
SSE streaming, optional latency, faults and rate limits. Stops on Ctrl-C (SIGINT) or SIGTERM.

Options:
  --port <n>                  TCP port; 0 picks a free one (default 0)
  --host <address>            interface to listen on (default 127.0.0.1)
  --latency <ms|min..max>     time before each answer, e.g. 50 or 50..200 (default 0)
  --tokens-per-second <n>     streaming pace; 0 sends every chunk at once (default 0)
  --chunk-tokens <n>          tokens per stream event (default 1)
  --answer-tokens <n>         tokens per answer before max_tokens cuts it (default 16)
  --model <name>              model answered when a request names none (default mock-model)
  --fail-rate <rate>          fault rate in [0, 1] (or a percentage like 5%), spread evenly
                              over ${COMMON_RETRYABLE_FAULTS.join(', ')}
  --fault <kind=rate>         one fault's rate; repeatable; overrides --fail-rate for that kind.
                              Kinds: ${FAULT_KINDS.join(', ')}
  --retry-after-ms <n>        retry-after-ms of injected 429s (default 100)
  --rpm-limit <n>             requests allowed per window; beyond it: 429 (default none)
  --tpm-limit <n>             tokens allowed per window; beyond it: 429 (default none)
  --window-ms <n>             rate-limit window in ms (default 60000)
  --rate-limit-algorithm <a>  sliding-window, token-bucket or fixed-window (default sliding-window)
  --rate-limit-headers <h>    standard, per-day-requests (Groq: request headers count the day)
                              or none (no limit headers, no retry-after: gateway style) (default standard)
  --requests-per-day <n>      the per-day count per-day-requests announces (default 14400)
  --other-traffic <share>     share of each limit other traffic on the key consumes, in [0, 1)
                              (or a percentage like 30%) (default 0)
  --api-key <key>             answer 401 unless a request carries this key (Authorization: Bearer
                              or x-api-key); the key is never printed (default: any key, or none)
  --flex-refusal-rate <rate>  share of flex requests refused for capacity, in [0, 1] or a percentage (default 0)
  --flex-refusal-status <s>   429 (OpenAI "Resource Unavailable") or 498 (Groq capacity_exceeded) (default 429)
  --flex-latency-factor <x>   flex answers take x times the latency (default 2)
  --model-without-tiers <m>   a model that answers 400 to flex and priority; repeatable
  --seed <n>                  seed of faults, latencies and answers (default 1)
  --no-deliveries             do not count deliveries per prompt key (saves memory)

Batch APIs (OpenAI /v1/files + /v1/batches, Anthropic /v1/messages/batches):
  --batch-delay <duration>    time a batch takes to end: 500ms, 90s, 2m, 2h or seconds (default 1s)
  --batch-error-rate <rate>   share of batch items answered with a server error (default 0)
  --batch-fault <kind=rate>   share of batches that fail validation (failed=RATE) or expire
                              (expired=RATE); repeatable. Header x-mock-batch-fault forces one
  --batch-enqueued-token-limit <n>  OpenAI's enqueued input tokens per model; a batch over it
                              turns failed with token_limit_exceeded (default none)
  --batch-max-requests <n>    requests per batch (default 50000 OpenAI, 100000 Anthropic)
  --batch-max-bytes <n>       bytes per batch (default 200 MiB OpenAI, 256 MiB Anthropic)
  -h, --help                  show this help

Per-request headers: x-mock-fault, x-mock-key, x-mock-latency-ms, x-mock-answer-tokens, x-mock-batch-fault.
Endpoints: POST /v1/chat/completions, /v1/responses, /v1/messages; the Batch APIs; GET /v1/models,
GET /stats, POST /stats/reset.
`;

/**
 * Parses `rxllm mock-server` flags into `MockServerOptions` (or `'help'`). Throws `InvalidOptionsError` naming
 * the flag for unknown flags and bad values; option ranges are checked again by `startMockServer`.
 *
 * @example
 * ```ts
 * import { parseMockServerArgs } from 'rxllm/testing';
 * console.log(parseMockServerArgs(['--latency', '50..200', '--fail-rate', '5%']));
 * ```
 */
export function parseMockServerArgs(argv: readonly string[]): MockServerOptions | 'help' {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        latency: { type: 'string' },
        'tokens-per-second': { type: 'string' },
        'chunk-tokens': { type: 'string' },
        'answer-tokens': { type: 'string' },
        model: { type: 'string' },
        'fail-rate': { type: 'string' },
        fault: { type: 'string', multiple: true },
        'retry-after-ms': { type: 'string' },
        'rpm-limit': { type: 'string' },
        'tpm-limit': { type: 'string' },
        'window-ms': { type: 'string' },
        'rate-limit-algorithm': { type: 'string' },
        'flex-refusal-rate': { type: 'string' },
        'flex-refusal-status': { type: 'string' },
        'flex-latency-factor': { type: 'string' },
        'model-without-tiers': { type: 'string', multiple: true },
        'rate-limit-headers': { type: 'string' },
        'requests-per-day': { type: 'string' },
        'other-traffic': { type: 'string' },
        seed: { type: 'string' },
        'api-key': { type: 'string' },
        'no-deliveries': { type: 'boolean' },
        'batch-delay': { type: 'string' },
        'batch-error-rate': { type: 'string' },
        'batch-fault': { type: 'string', multiple: true },
        'batch-enqueued-token-limit': { type: 'string' },
        'batch-max-requests': { type: 'string' },
        'batch-max-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message.split('. ')[0]?.replace(/\.$/, '') : String(error);
    throw new InvalidOptionsError(`${message ?? 'Invalid arguments'}.`);
  }
  if (values.help === true) return 'help';

  const options: MockServerOptions = {};
  const text = (name: string) => values[name] as string | undefined;
  const port = integer(text('port'), 'port', 0, 65_535);
  if (port !== undefined) options.port = port;
  const host = text('host');
  if (host !== undefined) options.host = host;
  const latency = text('latency');
  if (latency !== undefined) options.latencyMs = parseLatency(latency);
  const tokensPerSecond = number(text('tokens-per-second'), 'tokens-per-second');
  if (tokensPerSecond !== undefined) options.tokensPerSecond = tokensPerSecond;
  const chunkTokens = integer(text('chunk-tokens'), 'chunk-tokens', 1);
  if (chunkTokens !== undefined) options.chunkTokens = chunkTokens;
  const answerTokens = integer(text('answer-tokens'), 'answer-tokens', 1);
  if (answerTokens !== undefined) options.answerTokens = answerTokens;
  const model = text('model');
  if (model !== undefined) options.model = model;
  const faults = parseFaults(text('fail-rate'), values.fault as string[] | undefined);
  if (faults !== undefined) options.faults = faults;
  const retryAfterMs = integer(text('retry-after-ms'), 'retry-after-ms', 0);
  if (retryAfterMs !== undefined) options.faultRetryAfterMs = retryAfterMs;
  const rpmLimit = integer(text('rpm-limit'), 'rpm-limit', 1);
  if (rpmLimit !== undefined) options.rpmLimit = rpmLimit;
  const tpmLimit = integer(text('tpm-limit'), 'tpm-limit', 1);
  if (tpmLimit !== undefined) options.tpmLimit = tpmLimit;
  const windowMs = integer(text('window-ms'), 'window-ms', 1);
  if (windowMs !== undefined) options.windowMs = windowMs;
  const algorithm = text('rate-limit-algorithm');
  if (algorithm !== undefined) {
    if (algorithm !== 'sliding-window' && algorithm !== 'token-bucket' && algorithm !== 'fixed-window') {
      throw new InvalidOptionsError(`--rate-limit-algorithm: expected sliding-window, token-bucket or fixed-window, got ${JSON.stringify(algorithm)}.`);
    }
    options.rateLimitAlgorithm = algorithm satisfies MockRateLimitAlgorithm;
  }
  const flexRefusalRate = text('flex-refusal-rate');
  if (flexRefusalRate !== undefined) options.flexRefusalShare = parseRate(flexRefusalRate, '--flex-refusal-rate');
  const flexRefusalStatus = text('flex-refusal-status');
  if (flexRefusalStatus !== undefined) {
    if (flexRefusalStatus !== '429' && flexRefusalStatus !== '498') {
      throw new InvalidOptionsError(`--flex-refusal-status: expected 429 or 498, got ${JSON.stringify(flexRefusalStatus)}.`);
    }
    options.flexRefusalStatus = flexRefusalStatus === '429' ? 429 : 498;
  }
  const flexLatencyFactor = number(text('flex-latency-factor'), 'flex-latency-factor');
  if (flexLatencyFactor !== undefined) options.flexLatencyFactor = flexLatencyFactor;
  const withoutTiers = values['model-without-tiers'] as string[] | undefined;
  if (withoutTiers !== undefined) options.modelsWithoutTiers = withoutTiers;
  const limitHeaders = text('rate-limit-headers');
  if (limitHeaders !== undefined) {
    if (limitHeaders !== 'standard' && limitHeaders !== 'per-day-requests' && limitHeaders !== 'none') {
      throw new InvalidOptionsError(`--rate-limit-headers: expected standard, per-day-requests or none, got ${JSON.stringify(limitHeaders)}.`);
    }
    options.rateLimitHeaders = limitHeaders satisfies MockRateLimitHeaders;
  }
  const requestsPerDay = integer(text('requests-per-day'), 'requests-per-day', 1);
  if (requestsPerDay !== undefined) options.requestsPerDay = requestsPerDay;
  const otherTraffic = text('other-traffic');
  if (otherTraffic !== undefined) {
    const share = parseRate(otherTraffic, '--other-traffic');
    if (share >= 1) throw new InvalidOptionsError(`--other-traffic: expected a share below 1 (100%), got ${JSON.stringify(otherTraffic)}.`);
    options.otherTrafficShare = share;
  }
  const seed = integer(text('seed'), 'seed', Number.MIN_SAFE_INTEGER);
  if (seed !== undefined) options.seed = seed;
  const apiKey = text('api-key');
  if (apiKey !== undefined) {
    if (apiKey === '') throw new InvalidOptionsError('--api-key: expected a non-empty key.');
    options.apiKey = apiKey;
  }
  if (values['no-deliveries'] === true) options.trackDeliveries = false;
  const batchDelay = text('batch-delay');
  if (batchDelay !== undefined) options.batchDelayMs = parseDuration(batchDelay, '--batch-delay');
  const batchErrorRate = text('batch-error-rate');
  if (batchErrorRate !== undefined) options.batchErrorRate = parseRate(batchErrorRate, '--batch-error-rate');
  const batchFaults = parseBatchFaults(values['batch-fault'] as string[] | undefined);
  if (batchFaults !== undefined) options.batchFaults = batchFaults;
  const enqueued = integer(text('batch-enqueued-token-limit'), 'batch-enqueued-token-limit', 1);
  if (enqueued !== undefined) options.batchEnqueuedTokenLimit = enqueued;
  const maxRequests = integer(text('batch-max-requests'), 'batch-max-requests', 1);
  if (maxRequests !== undefined) options.batchMaxRequests = maxRequests;
  const maxBytes = integer(text('batch-max-bytes'), 'batch-max-bytes', 1);
  if (maxBytes !== undefined) options.batchMaxBytes = maxBytes;
  return options;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, '': 1000 };

/** A CLI duration (SPEC: `500ms`, `90s`, `2h` or plain seconds; `2m` too) in milliseconds. */
function parseDuration(value: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|)\s*$/.exec(value);
  if (match === null) throw new InvalidOptionsError(`${flag}: expected a duration like 500ms, 90s, 2m, 2h or seconds, got ${JSON.stringify(value)}.`);
  return Math.round(Number(match[1]) * (DURATION_UNITS[match[2] as string] as number));
}

function parseBatchFaults(specs: string[] | undefined): { failed?: number; expired?: number } | undefined {
  if (specs === undefined) return undefined;
  const faults: { failed?: number; expired?: number } = {};
  for (const spec of specs) {
    const match = /^(failed|expired)=(.*)$/.exec(spec);
    if (match === null) throw new InvalidOptionsError(`--batch-fault: expected failed=RATE or expired=RATE, got ${JSON.stringify(spec)}.`);
    faults[match[1] as 'failed' | 'expired'] = parseRate(match[2] as string, `--batch-fault ${match[1]}`);
  }
  const total = (faults.failed ?? 0) + (faults.expired ?? 0);
  if (total > 1 + 1e-9) throw new InvalidOptionsError(`--batch-fault: the rates add up to ${Math.round(total * 1000) / 1000}, more than 1.`);
  return faults;
}

function parseLatency(value: string): number | [number, number] {
  const range = /^\s*(\d+(?:\.\d+)?)\s*(?:\.\.|-)\s*(\d+(?:\.\d+)?)\s*$/.exec(value);
  if (range !== null) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    if (min > max) throw new InvalidOptionsError(`--latency: expected MIN..MAX with MIN <= MAX, got ${JSON.stringify(value)}.`);
    return [min, max];
  }
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(value)) return Number(value);
  throw new InvalidOptionsError(`--latency: expected milliseconds like 50 or a range like 50..200, got ${JSON.stringify(value)}.`);
}

function parseFaults(failRate: string | undefined, specs: string[] | undefined): Partial<Record<FaultKind, number>> | undefined {
  if (failRate === undefined && specs === undefined) return undefined;
  const faults: Partial<Record<FaultKind, number>> = {};
  if (failRate !== undefined) {
    const rate = parseRate(failRate, '--fail-rate');
    for (const kind of COMMON_RETRYABLE_FAULTS) faults[kind] = rate / COMMON_RETRYABLE_FAULTS.length;
  }
  for (const spec of specs ?? []) {
    const separator = spec.lastIndexOf('=');
    const kind = separator === -1 ? spec : spec.slice(0, separator);
    if (!isFaultKind(kind)) {
      throw new InvalidOptionsError(`--fault: unknown fault ${JSON.stringify(kind)}; expected one of ${FAULT_KINDS.join(', ')}.`);
    }
    if (separator === -1) throw new InvalidOptionsError(`--fault: expected kind=rate like 503=0.05, got ${JSON.stringify(spec)}.`);
    faults[kind] = parseRate(spec.slice(separator + 1), `--fault ${kind}`);
  }
  let total = 0;
  for (const rate of Object.values(faults)) total += rate ?? 0;
  if (total > 1 + 1e-9) throw new InvalidOptionsError(`--fault/--fail-rate: the fault rates add up to ${Math.round(total * 1000) / 1000}, more than 1.`);
  return faults;
}

function parseRate(value: string, flag: string): number {
  const percent = value.trim().endsWith('%');
  const rate = Number(percent ? value.trim().slice(0, -1) : value);
  const result = percent ? rate / 100 : rate;
  if (value.trim() === '' || !Number.isFinite(result) || result < 0 || result > 1) {
    throw new InvalidOptionsError(`${flag}: expected a rate from 0 to 1 (or 0% to 100%), got ${JSON.stringify(value)}.`);
  }
  return result;
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const result = Number(value);
  if (value.trim() === '' || !Number.isFinite(result) || result < 0) {
    throw new InvalidOptionsError(`--${flag}: expected a non-negative number, got ${JSON.stringify(value)}.`);
  }
  return result;
}

function integer(value: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const result = Number(value);
  if (!/^\s*-?\d+\s*$/.test(value) || result < min || result > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? (min === Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer >= ${min}`) : `an integer from ${min} to ${max}`;
    throw new InvalidOptionsError(`--${flag}: expected ${range}, got ${JSON.stringify(value)}.`);
  }
  return result;
}
