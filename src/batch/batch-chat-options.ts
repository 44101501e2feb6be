import { z } from 'zod';
import type { BatchPhase } from '../model/batch-provider.js';
import type { PriceTable } from '../cost/model-prices.js';
import type { ChatParams } from '../types.js';
import { chatParamsSchema } from '../internal/chat-params-schema.js';

/** Which items a finished round sends again: those that failed, those the batch's expiry left unrun, or both. */
export type BatchResubmit = 'none' | 'failed' | 'expired' | 'both';

/**
 * Options of `batchChat`, `batchChatText` and `batchChatStructured`.
 *
 * @example
 * ```ts
 * import { batchChat, openai, type BatchChatOptions } from 'rxllm';
 * const options: BatchChatOptions = { statePath: 'job.batch-state.json', pollInterval: 60_000, resubmit: 'both' };
 * console.log(await batchChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.'], options));
 * ```
 */
export interface BatchChatOptions {
  /**
   * A file keeping the job's state (its provider batch ids, saved before anything else, and a hash of model, prompts
   * and params), so that a restarted process picks the same batches up instead of paying twice. A state file of
   * another job is refused, naming what changed. @defaultValue none: the job is not resumable
   */
  statePath?: string;
  /** Milliseconds between two looks at the provider's batches. @defaultValue `30_000` */
  pollInterval?: number;
  /**
   * Cancels the job: the provider batches are cancelled, the results they return are kept, and the Promise rejects
   * with `signal.reason` (`partialResultsOf` gives the results) or resolves, per `onAbort`.
   */
  signal?: AbortSignal;
  /** What an abort of `signal` does once the batches are cancelled. @defaultValue `'reject'` */
  onAbort?: 'reject' | 'resolve';
  /** Called with the job's state after every look at its batches. A throw rejects the job with it (batches keep running). */
  onProgress?: (progress: BatchJobProgress) => void;
  /** Items sent again in a new batch after a round has ended. @defaultValue `'none'` */
  resubmit?: BatchResubmit;
  /** Most resubmission rounds. @defaultValue `3` */
  resubmitRounds?: number;
  /** Generation parameters for every prompt (the prompt's own win). */
  params?: ChatParams;
  /** Lower per-batch limits than the provider's (the provider's always apply). */
  batchLimits?: { maxRequests?: number; maxBytes?: number };
  /** Price overrides for the `cost` of each response. */
  prices?: PriceTable;
}

/** One provider batch in a `BatchJobProgress`. */
export interface BatchProgress {
  id: string;
  /** 0 for the first submission, then one per resubmission round. */
  round: number;
  phase: BatchPhase;
  outcome?: 'completed' | 'expired' | 'cancelled' | 'failed';
  requests: number;
  completed: number;
  failed: number;
}

/** Where a batch job stands. */
export interface BatchJobProgress {
  /** Prompts in the job. */
  total: number;
  /** Prompts whose (latest) outcome has been read. */
  collected: number;
  /** Prompts waiting to be submitted (for the provider's enqueued-token limit to free up). */
  waiting: number;
  /** Every provider batch of the job, oldest first. */
  batches: BatchProgress[];
}

export const batchChatOptionsSchema = z.strictObject({
  statePath: z.string().min(1).optional(),
  pollInterval: z.number().positive().optional(),
  signal: z.custom<AbortSignal>((value) => value instanceof AbortSignal, 'expected an AbortSignal').optional(),
  onAbort: z.enum(['reject', 'resolve']).optional(),
  onProgress: z.custom<(progress: BatchJobProgress) => void>((value) => typeof value === 'function', 'expected a function').optional(),
  resubmit: z.enum(['none', 'failed', 'expired', 'both']).optional(),
  resubmitRounds: z.number().int().min(0).optional(),
  params: chatParamsSchema.optional(),
  batchLimits: z.strictObject({ maxRequests: z.number().int().positive().optional(), maxBytes: z.number().int().positive().optional() }).optional(),
  prices: z.record(z.string(), z.unknown()).optional(),
});
