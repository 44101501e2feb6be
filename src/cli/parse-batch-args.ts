import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { BatchResubmit, ChatParams } from '../index.js';
import { parseParamFlags, toUsageError } from './parse-run-args.js';
import { UsageError } from './usage-error.js';

/** The validated options of `rxllm batch`. */
export interface BatchOptions {
  /** Prompts file (the `rxllm run` format), or `-` for stdin. */
  input: string;
  /** Results file (the `rxllm run` format), written when the job has ended; its state sits beside it. */
  output: string;
  /** `provider/model`. */
  model: string;
  /** Provider base URL override. */
  baseURL?: string;
  /** The base URL serves the provider's Batch API (a proxy, the mock server). @defaultValue `false` */
  batchApi: boolean;
  /** Most requests per provider batch, below the provider's own limit. @defaultValue the provider's limit */
  maxBatchRequests?: number;
  /** Milliseconds between two looks at the batches. @defaultValue `30000` */
  pollIntervalMs: number;
  resubmit: BatchResubmit;
  resubmitRounds: number;
  params: ChatParams;
  /** Print where the job stands and exit, without waiting. */
  status: boolean;
  quiet: boolean;
}

const BATCH_FLAGS = {
  output: { type: 'string', short: 'o' },
  model: { type: 'string', short: 'm' },
  'base-url': { type: 'string' },
  'batch-api': { type: 'boolean' },
  'max-batch-requests': { type: 'string' },
  'poll-interval': { type: 'string' },
  resubmit: { type: 'string' },
  'resubmit-rounds': { type: 'string' },
  param: { type: 'string', short: 'p', multiple: true },
  status: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A duration: `500ms`, `90s`, `2h`, `5m`, or plain seconds (SPEC: CLI durations). */
const duration = z
  .string()
  .regex(/^(\d+(\.\d+)?)(ms|s|m|h)?$/, 'expected a duration such as 500ms, 90s, 5m, 2h or plain seconds')
  .transform((text) => {
    const [, amount, , unit] = /^(\d+(\.\d+)?)(ms|s|m|h)?$/.exec(text)!;
    const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit ?? 's']!;
    return Math.round(Number(amount) * factor);
  })
  .pipe(z.number().positive('expected a duration above 0'));

const flagsSchema = z.strictObject({
  output: z.string({ error: 'is required (the results file, e.g. -o results.jsonl)' }).min(1, 'must not be empty'),
  model: z.string({ error: 'is required, as provider/model (e.g. --model openai/gpt-4o-mini)' }).regex(/^[^/\s]+\/\S+$/, 'expected provider/model'),
  'base-url': z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  'batch-api': z.boolean().default(false),
  'max-batch-requests': z.string().regex(/^[1-9]\d*$/, 'expected a whole number >= 1').transform(Number).optional(),
  'poll-interval': duration.default(30_000),
  resubmit: z.enum(['none', 'failed', 'expired', 'both'], { error: 'expected none, failed, expired or both' }).default('none'),
  'resubmit-rounds': z.string().regex(/^\d+$/, 'expected a whole number >= 0').transform(Number).default(3),
  status: z.boolean().default(false),
  quiet: z.boolean().default(false),
});

/**
 * Parses and validates the arguments of `rxllm batch`. Throws a `UsageError` naming the flag.
 *
 * @example
 * ```ts
 * parseBatchArgs(['prompts.jsonl', '-o', 'out.jsonl', '--model', 'openai/gpt-4o-mini', '--poll-interval', '90s']);
 * ```
 */
export function parseBatchArgs(argv: readonly string[]): BatchOptions | 'help' {
  let parsedArgs;
  try {
    parsedArgs = parseArgs({ args: [...argv], options: BATCH_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw toUsageError(error, Object.keys(BATCH_FLAGS), 'batch');
  }
  const { values, positionals } = parsedArgs;
  if (values.help === true) return 'help';
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing the prompts file (a JSONL path, or - for stdin)' : `expected one prompts file, got ${positionals.length}`, 'batch');
  const { param, help: _help, ...flags } = values;
  const parsed = flagsSchema.safeParse(flags);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((issue) => `--${String(issue.path[0])}: ${issue.message}`).join('\n'), 'batch');
  }
  const f = parsed.data;
  if (f.output === '-') throw new UsageError('--output must be a file, not stdout: its state file sits beside it', 'batch');
  return {
    input: positionals[0]!,
    output: f.output,
    model: f.model,
    ...(f['base-url'] === undefined ? {} : { baseURL: f['base-url'] }),
    batchApi: f['batch-api'],
    ...(f['max-batch-requests'] === undefined ? {} : { maxBatchRequests: f['max-batch-requests'] }),
    pollIntervalMs: f['poll-interval'],
    resubmit: f.resubmit,
    resubmitRounds: f['resubmit-rounds'],
    params: parseParamFlags(param ?? []),
    status: f.status,
    quiet: f.quiet,
  };
}
