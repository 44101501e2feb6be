import type { Observable } from 'rxjs';
import type { LlmError } from '../errors/llm-error.js';
import type { ChatResponse, ProviderRequest } from '../types.js';

/** A provider's limits per batch: requests, and bytes of the uploaded input (lines and their newlines). */
export interface BatchLimits {
  maxRequests: number;
  maxBytes: number;
}

/** Where one provider batch stands, in neutral words. */
export type BatchPhase = 'validating' | 'in_progress' | 'finalizing' | 'cancelling' | 'ended';

/**
 * One provider batch as last seen: its phase, its counts, and once ended how (`completed`, `expired`, `cancelled`,
 * or `failed` as a whole — at validation, or refused for a limit the provider asks to retry later).
 */
export interface BatchStatus {
  id: string;
  phase: BatchPhase;
  /** Set once `phase` is `'ended'`. */
  outcome?: 'completed' | 'expired' | 'cancelled' | 'failed';
  /** Requests in the batch, and those finished so far, well or not. */
  counts: { total: number; completed: number; failed: number };
  /** Set for a batch that failed as a whole. */
  failure?: BatchFailure;
  /** The provider's object as sent; the adapter reads its result locations from it. */
  raw: unknown;
}

/** Why a whole batch failed. */
export interface BatchFailure {
  message: string;
  /**
   * True when the provider refused the batch for now (an enqueued-token limit): resubmit it once others have
   * progressed; it does not fail the items.
   */
  retryLater: boolean;
  /** Per-line errors of a validation failure; `line` is 1-based in the batch's input. */
  lines: { line?: number; code?: string; message: string }[];
}

/** One item's outcome as the provider reported it, keyed by the `customId` it was sent with. */
export type BatchItemResult =
  | { customId: string; kind: 'succeeded'; response: ChatResponse }
  | { customId: string; kind: 'errored'; error: LlmError }
  | { customId: string; kind: 'expired' | 'cancelled' };

/**
 * What a provider adapter offers for its batch API. `ChatProvider.batch` holds it when the provider has one; every
 * method is one cold attempt, like `chat`.
 */
export interface BatchProvider {
  readonly limits: BatchLimits;
  /**
   * One input line (no newline) asking for `request` under `customId`: exactly the body `chat` would send. Throws
   * `InvalidOptionsError` for a request the provider would refuse.
   */
  line(customId: string, request: ProviderRequest): string;
  /** Uploads `lines` as one batch and creates it; emits its first status once. */
  create(lines: readonly string[]): Observable<BatchStatus>;
  /** Emits the batch's status once. */
  retrieve(id: string): Observable<BatchStatus>;
  /** Asks the provider to cancel the batch; emits its status once. */
  cancel(id: string): Observable<BatchStatus>;
  /**
   * Emits every item result of an ended batch (in the provider's order), then completes. `requestOf` gives the request
   * sent under a `customId` (its model and params shape how the answer reads).
   */
  results(status: BatchStatus, requestOf: (customId: string) => ProviderRequest | undefined): Observable<BatchItemResult>;
}
