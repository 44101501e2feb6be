import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type ChatParams, chatParamsSchema } from '../index.js';
import { durationFlagSchema } from './duration-flag-schema.js';
import { suggestFlag } from './suggest-flag.js';
import { UsageError } from './usage-error.js';

/** What to do with an input line that is not a valid prompt. */
export type BadLinesPolicy = 'skip' | 'fail';

/** How progress is shown on stderr. */
export type ProgressMode = 'auto' | 'lines' | 'none';

/** The validated options of `rxllm run`. */
export interface RunOptions {
  /** Prompts file, or `-` for stdin. */
  input: string;
  /** Results file, appended to; re-running the same command resumes from it. */
  output: string;
  /** `provider/model`, e.g. `openai/gpt-4o-mini`. */
  model: string;
  /** Requests in flight at once. @defaultValue `10` */
  maxActive: number;
  /** Requests per minute, or `'auto'`: paced from the provider's rate-limit headers. @defaultValue `'auto'` */
  rpm: number | 'auto';
  /** Tokens per minute (input estimate + `maxTokens`), or `'auto'`. @defaultValue `'auto'` */
  tpm?: number | 'auto';
  /** A Redis URL: the rate budget is shared with every process using the same Redis and `limiterKey`. */
  redis?: string;
  /** The shared budget's name in Redis (with `redis`). @defaultValue `'rxllm'` */
  limiterKey: string;
  /** Retries per prompt after the first attempt. @defaultValue `2` */
  maxRetries: number;
  /** What a failed prompt does to the run. @defaultValue `'continue'` */
  onError: 'continue' | 'return' | 'stop';
  /** Budget in USD; nothing is sent that could overrun it. */
  maxCost?: number;
  /** Budget in tokens; nothing is sent that could overrun it. */
  maxTotalTokens?: number;
  /** Path of a JSON Schema file the answers must satisfy. */
  structured?: string;
  /** Generation parameters from `--param key=value`. */
  params: ChatParams;
  /** Stream each answer (token progress, idle timeout between chunks). @defaultValue `false` */
  stream: boolean;
  /** Provider base URL override (OpenAI's includes `/v1`). */
  baseURL?: string;
  /** Malformed input lines are reported and skipped, or stop the run. @defaultValue `'skip'` */
  badLines: BadLinesPolicy;
  /** Send again the prompts whose recorded result is a failure. @defaultValue `false` */
  retryFailed: boolean;
  /** No progress and no summary; errors only. @defaultValue `false` */
  quiet: boolean;
  /** Progress display. `auto`: a live bar on a TTY, plain lines otherwise; `lines`: always plain lines. @defaultValue `'auto'` */
  progress: ProgressMode;
  /** Interval of the plain progress lines. @defaultValue `2000` */
  progressIntervalMs: number;
  /** How long Ctrl-C waits for requests in flight before aborting them. @defaultValue `5000` */
  graceMs: number;
  /** Whole-request timeout (streams: idle time between chunks). */
  timeoutMs?: number;
  /** `--fallback-tier` and `--deadline`: where items asking for a service tier go after refusals or from the deadline. */
  tierFallback?: { tier: string; deadline?: number };
}

/** The flags of `rxllm run`, as `node:util` `parseArgs` reads them. */
export const RUN_FLAGS = {
  output: { type: 'string', short: 'o' },
  model: { type: 'string', short: 'm' },
  'max-active': { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  redis: { type: 'string' },
  'limiter-key': { type: 'string' },
  'max-retries': { type: 'string' },
  'on-error': { type: 'string' },
  'max-cost': { type: 'string' },
  'max-total-tokens': { type: 'string' },
  structured: { type: 'string' },
  param: { type: 'string', short: 'p', multiple: true },
  stream: { type: 'boolean' },
  'base-url': { type: 'string' },
  'bad-lines': { type: 'string' },
  'retry-failed': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  progress: { type: 'string' },
  'progress-interval': { type: 'string' },
  grace: { type: 'string' },
  timeout: { type: 'string' },
  'service-tier': { type: 'string' },
  'fallback-tier': { type: 'string' },
  deadline: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const wholeNumber = (min: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number >= ${min}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `expected a whole number >= ${min}`));

const positiveNumber = z
  .string()
  .regex(/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/, 'expected a positive number')
  .transform(Number)
  .pipe(z.number().positive('expected a positive number').finite());

const tierWord = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected a service tier such as flex, priority, default or auto');
/** `--rpm` / `--tpm`: a positive number (a ceiling) or `auto`. */
const limitFlag = z.union([z.literal('auto'), positiveNumber], { error: 'expected a positive number or auto' });

const flagsSchema = z.strictObject({
  output: z.string({ error: 'is required (the results file, e.g. -o results.jsonl)' }).min(1, 'must not be empty'),
  model: z
    .string({ error: 'is required, as provider/model (e.g. --model openai/gpt-4o-mini)' })
    .regex(/^[^/\s]+\/\S+$/, 'expected provider/model, e.g. openai/gpt-4o-mini'),
  'max-active': wholeNumber(1).default(10),
  rpm: limitFlag.default('auto'),
  tpm: limitFlag.default('auto'),
  redis: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379' }).optional(),
  'limiter-key': z.string().regex(/^[^{}]+$/, 'expected a non-empty name without { or }').optional(),
  'max-retries': wholeNumber(0).default(2),
  'on-error': z.enum(['continue', 'return', 'stop'], { error: 'expected continue, return or stop' }).default('continue'),
  'max-cost': positiveNumber.optional(),
  'max-total-tokens': wholeNumber(1).optional(),
  structured: z.string().min(1, 'expected a JSON Schema file').optional(),
  stream: z.boolean().default(false),
  'base-url': z.url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. http://127.0.0.1:8080/v1' }).optional(),
  'bad-lines': z.enum(['skip', 'fail'], { error: 'expected skip or fail' }).default('skip'),
  'retry-failed': z.boolean().default(false),
  quiet: z.boolean().default(false),
  progress: z.enum(['auto', 'lines', 'none'], { error: 'expected auto, lines or none' }).default('auto'),
  'progress-interval': durationFlagSchema().default(2_000),
  grace: durationFlagSchema(true).default(5_000),
  timeout: durationFlagSchema().optional(),
  'service-tier': tierWord.optional(),
  'fallback-tier': tierWord.optional(),
  deadline: durationFlagSchema().optional(),
});

/**
 * Parses and validates the arguments of `rxllm run` (everything after `run`).
 * Throws a `UsageError` naming the flag for an unknown flag, a missing or extra argument, or a bad value.
 *
 * @param argv - The arguments after the `run` command.
 * @returns The options, or `'help'` when `--help` was given.
 *
 * @example
 * ```ts
 * parseRunArgs(['prompts.jsonl', '-o', 'out.jsonl', '--model', 'openai/gpt-4o-mini', '--param', 'temperature=0']);
 * // { input: 'prompts.jsonl', output: 'out.jsonl', maxActive: 10, params: { temperature: 0 }, … }
 * ```
 */
export function parseRunArgs(argv: readonly string[]): RunOptions | 'help' {
  const { values, positionals } = parseFlags(argv);
  if (values.help === true) return 'help';
  if (positionals.length === 0) throw new UsageError('missing the prompts file (a JSONL path, or - for stdin)', 'run');
  if (positionals.length > 1) {
    throw new UsageError(`expected one prompts file, got ${positionals.length}: ${positionals.join(' ')}`, 'run');
  }
  const { param, help: _help, ...flags } = values;
  const parsed = flagsSchema.safeParse(flags);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => formatFlagIssue(issue, flags));
    throw new UsageError(messages.join('\n'), 'run');
  }
  const f = parsed.data;
  if (f.output === '-') throw new UsageError('--output must be a file, not stdout: a resume reads it back', 'run');
  if (f['limiter-key'] !== undefined && f.redis === undefined) throw new UsageError('--limiter-key needs --redis (the budget it names lives there)', 'run');
  return {
    input: positionals[0]!,
    output: f.output,
    model: f.model,
    maxActive: f['max-active'],
    rpm: f.rpm,
    ...(f.tpm === undefined ? {} : { tpm: f.tpm }),
    ...(f.redis === undefined ? {} : { redis: f.redis }),
    limiterKey: f['limiter-key'] ?? 'rxllm',
    maxRetries: f['max-retries'],
    onError: f['on-error'],
    ...(f['max-cost'] === undefined ? {} : { maxCost: f['max-cost'] }),
    ...(f['max-total-tokens'] === undefined ? {} : { maxTotalTokens: f['max-total-tokens'] }),
    ...(f.structured === undefined ? {} : { structured: f.structured }),
    params: withServiceTier(parseParamFlags(param ?? []), f['service-tier']),
    stream: f.stream,
    ...(f['base-url'] === undefined ? {} : { baseURL: f['base-url'] }),
    badLines: f['bad-lines'],
    retryFailed: f['retry-failed'],
    quiet: f.quiet,
    progress: f.quiet ? 'none' : f.progress,
    progressIntervalMs: f['progress-interval'],
    graceMs: f.grace,
    ...(f.timeout === undefined ? {} : { timeoutMs: f.timeout }),
    ...(f['fallback-tier'] === undefined && f.deadline === undefined
      ? {}
      : { tierFallback: { tier: f['fallback-tier'] ?? 'default', ...(f.deadline === undefined ? {} : { deadline: f.deadline }) } }),
  };
}

/** `--service-tier` wins over `--param serviceTier=…`. */
function withServiceTier(params: ChatParams, serviceTier: string | undefined): ChatParams {
  return serviceTier === undefined ? params : { ...params, serviceTier };
}

/**
 * Turns `--param key=value` flags into `ChatParams`. Keys are camelCase `ChatParams` fields (`max_tokens` and
 * `max-tokens` are accepted too); `extra.<name>=value` goes into the raw `extra` escape hatch. Values are read as
 * JSON when they parse (`0.2`, `true`, `["a","b"]`), else as plain strings.
 *
 * @example
 * ```ts
 * parseParamFlags(['temperature=0', 'stop=END', 'extra.top_k=5']); // { temperature: 0, stop: 'END', extra: { top_k: 5 } }
 * ```
 */
export function parseParamFlags(flags: readonly string[]): ChatParams {
  const params: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(flag)}: expected key=value, e.g. --param temperature=0`, 'run');
    const rawKey = flag.slice(0, eq).trim();
    const value = readParamValue(flag.slice(eq + 1));
    if (rawKey.startsWith('extra.')) {
      const name = rawKey.slice('extra.'.length);
      if (name === '') throw new UsageError(`--param ${flag}: expected extra.<name>=value`, 'run');
      extra[name] = value;
    } else {
      params[toCamelCase(rawKey)] = value;
    }
  }
  if (Object.keys(extra).length > 0) params.extra = { ...(params.extra as Record<string, unknown> | undefined), ...extra };
  const parsed = chatParamsSchema.safeParse(params);
  if (!parsed.success) {
    const known = Object.keys(chatParamsSchema.shape).join(', ');
    const messages = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return `--param: unknown parameter ${issue.keys.join(', ')} (known: ${known}; provider-specific fields go in extra.<name>=value)`;
      }
      return `--param ${issue.path.map(String).join('.')}: ${issue.message}`;
    });
    throw new UsageError(messages.join('\n'), 'run');
  }
  return parsed.data as ChatParams;
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: RUN_FLAGS, strict: true, allowPositionals: true });
  } catch (error) {
    throw toUsageError(error, Object.keys(RUN_FLAGS), 'run');
  }
}

/** `unknown flag --max-activ (did you mean --max-active?)`: `flag` as typed, `flags` without dashes. */
export function unknownFlagError(flag: string, flags: readonly string[], command?: string): UsageError {
  const suggestion = suggestFlag(flag.replace(/^-+/, ''), flags);
  return new UsageError(`unknown flag ${flag}${suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`}`, command);
}

/** Rewrites a `parseArgs` error into a short `UsageError`, suggesting the closest known flag. */
export function toUsageError(error: unknown, flags: readonly string[], command?: string): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | undefined)?.code;
  const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== undefined) return unknownFlagError(unknown, flags, command);
  const missing = /Option '([^']+)' argument missing/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && missing !== undefined) {
    const flag = missing.split(',').pop()!.trim().replace(/ <value>$/, '');
    return new UsageError(`${flag} needs a value`, command);
  }
  const unexpected = /Unexpected argument '([^']+)'/.exec(message)?.[1];
  if (unexpected !== undefined) return new UsageError(`unexpected argument ${unexpected}`, command);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /Option '([^']+)'/.exec(message)?.[1];
    return new UsageError(flag === undefined ? message : `${flag} does not take a value`, command);
  }
  return new UsageError(message, command);
}

function formatFlagIssue(issue: z.core.$ZodIssue, flags: Record<string, unknown>): string {
  const flag = String(issue.path[0] ?? '');
  if (issue.code === 'unrecognized_keys') return `unknown flag --${issue.keys.join(', --')}`;
  const given = flags[flag];
  const shown = typeof given === 'string' && flag !== 'redis' ? ` (got ${JSON.stringify(given)})` : ''; // a Redis URL may hold a password
  return `--${flag} ${issue.message}${shown}`;
}

function readParamValue(text: string): unknown {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return text;
  }
}

function toCamelCase(key: string): string {
  return key.replace(/[-_]+([a-zA-Z0-9])/g, (_, letter: string) => letter.toUpperCase());
}
