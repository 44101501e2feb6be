import type { SchedulerLike } from 'rxjs';
import { z } from 'zod';
import type { Progress, ProgressTracker } from '../progress/progress-tracker.js';
import type { Budget } from '../cost/usage-budget.js';
import type { RateLimiter } from '../rate-limiter/rate-limiter-types.js';
import { retryOptionsSchema, schedulerSchema } from '../internal/validate-options.js';
import { chatParamsSchema } from '../internal/chat-params-schema.js';
import type { ChatParams, RetryOptions } from '../types.js';

/**
 * What a pipeline does with a prompt that failed after its retries.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, type OnError } from 'rxllm';
 * const onError: OnError = process.env.STRICT === '1' ? 'stop' : 'continue';
 * console.log(await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.'], { onError }));
 * ```
 */
export type OnError = 'continue' | 'return' | 'stop';

/**
 * Where an item asking for a service tier (`params.serviceTier`, e.g. `'flex'`) goes instead, and when.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, type TierFallback } from 'rxllm';
 * const tierFallback: TierFallback = { tier: 'default', afterRefusals: 2, deadline: new Date(Date.now() + 2 * 3_600_000) };
 * const model = openai({ model: 'gpt-5', params: { serviceTier: 'flex' } });
 * console.log(await parallelChat(model, ['Label: great', 'Label: awful'], { tierFallback }));
 * ```
 */
export interface TierFallback {
  /** The tier to fall back to, e.g. `'default'` (the provider's standard tier). */
  tier: string;
  /** An item refused for capacity this many times goes at `tier` from its next attempt. @defaultValue `2` */
  afterRefusals?: number;
  /**
   * From this moment on (a `Date`, or milliseconds from the start of the run), every attempt of an item not yet
   * answered goes at `tier`. @defaultValue none
   */
  deadline?: Date | number;
}

/**
 * Options shared by `chatEach`, `streamEach` and `parallelChat` (public as `ChatEachOptions`).
 */
export interface PipelineOptions {
  /** Most requests open at once (a stream counts until its last chunk and the end of the response that carries it). @defaultValue `10` */
  maxActive?: number;
  /**
   * Requests per minute, enforced client-side with smooth spacing (`Infinity` for no request limit; `'auto'` to pace
   * at what the key has left, from the response headers). Ignored when `limiter` is given. @defaultValue `500`
   */
  rpm?: number | 'auto';
  /** Tokens per minute (input estimate + `maxTokens`, corrected from usage), or `'auto'`. Ignored when `limiter` is given. @defaultValue no token limit */
  tpm?: number | 'auto';
  /** Input tokens per minute (a separate input budget, where a provider has one), or `'auto'`. Ignored when `limiter` is given. @defaultValue no limit */
  inputTpm?: number | 'auto';
  /** Output tokens per minute (a separate output budget, where a provider has one), or `'auto'`. Ignored when `limiter` is given. @defaultValue no limit */
  outputTpm?: number | 'auto';
  /**
   * A rate limiter shared with other pipelines. Without it each subscription makes its own from `rpm` / `tpm`.
   * @defaultValue `rateLimiter({ rpm, tpm, scheduler })` per subscription
   */
  limiter?: RateLimiter;
  /** Retry policy of each prompt, field by field over the model's own. @defaultValue `model.retry` (2 retries) */
  retry?: RetryOptions;
  /**
   * A prompt that fails after its retries: `'continue'` keeps going (failures are results); `'return'` submits
   * nothing new, lets the requests in flight finish, then completes; `'stop'` aborts everything in flight and
   * errors with the failure. Fatal errors (401, 402/quota, 403) always end the run with that error.
   * @defaultValue `'continue'` (`'return'` for `parallelChat`)
   */
  onError?: OnError;
  /** Generation parameters for every prompt (a prompt's own `params` win field by field). */
  params?: ChatParams;
  /** Cancels the run: requests in flight are aborted and the Observable errors with `signal.reason`. */
  signal?: AbortSignal;
  /** Clock and timer source for the limiter, retries and progress. @defaultValue `asyncScheduler` */
  scheduler?: SchedulerLike;
  /** A tracker (from `progressTracker()`) that this run reports to. */
  progress?: ProgressTracker;
  /** Called synchronously with a snapshot after every change of the run's progress. */
  onProgress?: (progress: Progress) => void;
  /**
   * Output tokens reserved for a prompt that sets no `maxTokens`, from the `tpm` limit and from `budget` alike; the
   * reservations are corrected from the real usage when the answer arrives. (Anthropic models always set
   * `maxTokens`: their factory's, 4096 by default.)
   * @defaultValue `1024` (`DEFAULT_OUTPUT_TOKENS`)
   */
  defaultOutputTokens?: number;
  /**
   * A spending limit (`usageBudget({ maxCost, maxTotalTokens })`): each attempt first reserves its worst case
   * (input estimate + `maxTokens`), and a prompt that could overrun it is not sent — it ends as an `ok: false`
   * `BudgetExceededError` result (`null` in `parallelChat`), and so does every later prompt.
   */
  budget?: Budget;
  /**
   * For items asking for a service tier other than `tierFallback.tier`: after `afterRefusals` capacity refusals
   * (`CapacityError`) an item goes at the fallback tier; from `deadline` on every unanswered item does; and a model
   * that answers that it lacks the tier (`UnsupportedTierError`) is switched to the fallback tier once for the whole
   * run (one `tierSwitches` entry in progress), its refused items re-sent at once. @defaultValue no fallback
   */
  tierFallback?: TierFallback;
  /**
   * A results file (JSONL, the `rxllm run` CLI's format) to resume from: each result is appended as it completes
   * (durably, one line per prompt: a `kill -9` can only tear the last line, which the next run cuts off), and a run
   * skips the prompts whose key already has an ok line; failed lines are removed and those prompts sent again. A
   * prompt's key is its item `id`, else `index-<i>` (its position in the source). Prompts skipped get no result
   * (`parallelChat` fills theirs from the file). The file is locked for the run (`<path>.lock`); a run it cannot open
   * errors with `CheckpointError` before sending anything. Fatal errors and budget refusals are not recorded.
   */
  checkpoint?: string;
}

const functionSchema = <T>(what: string) => z.custom<T>((value) => typeof value === 'function', `expected ${what}`);

/** The zod shape of `PipelineOptions`, for strict schemas that extend it. */
export const pipelineOptionsShape = {
  maxActive: z.number().int().positive().optional(),
  rpm: z.union([z.number().positive(), z.literal(Infinity), z.literal('auto')]).optional(),
  tpm: z.union([z.number().positive(), z.literal(Infinity), z.literal('auto')]).optional(),
  inputTpm: z.union([z.number().positive(), z.literal('auto')]).optional(),
  outputTpm: z.union([z.number().positive(), z.literal('auto')]).optional(),
  limiter: z
    .custom<RateLimiter>((value) => {
      const limiter = value as Partial<RateLimiter> | null | undefined;
      return typeof limiter?.acquire === 'function' && typeof limiter.pause === 'function' && typeof limiter.observe === 'function';
    }, 'expected a RateLimiter (acquire, pause, observe)')
    .optional(),
  retry: retryOptionsSchema.optional(),
  onError: z.enum(['continue', 'return', 'stop']).optional(),
  params: chatParamsSchema.optional(),
  signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal, 'expected an AbortSignal').optional(),
  scheduler: schedulerSchema.optional(),
  progress: z
    .custom<ProgressTracker>((value) => typeof (value as Partial<ProgressTracker> | null | undefined)?.promptFinished === 'function', 'expected a tracker from progressTracker()')
    .optional(),
  onProgress: functionSchema<(progress: Progress) => void>('a function').optional(),
  defaultOutputTokens: z.number().int().nonnegative().optional(),
  budget: z
    .custom<Budget>((value) => typeof (value as Partial<Budget> | null | undefined)?.reserve === 'function', 'expected a budget from usageBudget()')
    .optional(),
  tierFallback: z
    .strictObject({
      tier: chatParamsSchema.shape.serviceTier.unwrap(),
      afterRefusals: z.number().int().positive().optional(),
      deadline: z.union([z.date().refine((date) => !Number.isNaN(date.getTime()), 'expected a valid Date'), z.number().nonnegative().finite()]).optional(),
    })
    .optional(),
  checkpoint: z.string().min(1, 'expected the path of a results file').optional(),
};
