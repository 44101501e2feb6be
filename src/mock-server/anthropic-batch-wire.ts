import type { BatchTimeline } from './batch-timeline.js';
import type { MockChatRequest } from './read-chat-request.js';

// Anthropic's Message Batches objects, after the types of anthropics/anthropic-sdk-typescript @ bfa9197
// (src/resources/messages/batches.ts: `MessageBatch`, `MessageBatchRequestCounts`, `MessageBatchIndividualResponse`,
// `MessageBatchResult`; src/resources/shared.ts: `ErrorResponse`). Timestamps are RFC 3339 strings.

/** One request of a batch, in input order. */
export interface AnthropicBatchItem {
  customId: string;
  /** `params` as `POST /v1/messages` reads them, or the message of the error they get. */
  request: MockChatRequest | string;
  /** Drawn to fail with a server error (`batchErrorRate`). */
  serverError: boolean;
}

/** A message batch as the mock keeps it. */
export interface AnthropicBatch {
  id: string;
  timeline: BatchTimeline;
  items: AnthropicBatchItem[];
  /** The `failed` batch fault: every request comes back `errored`. */
  invalid: boolean;
}

/** What became of one request: the result types of `MessageBatchResult`. */
export type AnthropicResultType = 'succeeded' | 'errored' | 'canceled' | 'expired';

/** The outcome of the item at `index` once the batch has ended. */
export function resultTypeOf(batch: AnthropicBatch, index: number, finished: boolean): AnthropicResultType {
  if (!finished) return batch.timeline.end() === 'cancelled' ? 'canceled' : 'expired';
  const item = batch.items[index];
  return item === undefined || batch.invalid || typeof item.request === 'string' || item.serverError ? 'errored' : 'succeeded';
}

/**
 * The `message_batch` object at `now`. Request counts stay `processing` until the whole batch has ended ("zero
 * until processing of the entire Message Batch has ended"); `results_url` appears only then.
 */
export function messageBatchObject(batch: AnthropicBatch, now: number, baseUrl: string, creating = false): Record<string, unknown> {
  const { timeline } = batch;
  const phase = creating ? 'in_progress' : timeline.phase(now);
  const ended = phase === 'ended';
  const counts = { processing: batch.items.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  if (ended) {
    counts.processing = 0;
    const finished = new Set(timeline.finished(timeline.endedAt));
    for (let index = 0; index < batch.items.length; index++) counts[resultTypeOf(batch, index, finished.has(index))]++;
  }
  const cancelAt = timeline.cancelledAt;
  return {
    id: batch.id,
    type: 'message_batch',
    processing_status: ended ? 'ended' : phase === 'cancelling' ? 'canceling' : 'in_progress',
    request_counts: counts,
    ended_at: ended ? iso(timeline.endedAt) : null,
    created_at: iso(timeline.createdAt),
    expires_at: iso(timeline.createdAt + 86_400_000),
    archived_at: null,
    cancel_initiated_at: cancelAt === undefined ? null : iso(cancelAt),
    results_url: ended ? `${baseUrl}/v1/messages/batches/${batch.id}/results` : null,
  };
}

/**
 * One line of the results file (`MessageBatchIndividualResponse`): `succeeded` with the message the live endpoint
 * would answer, `errored` with an error response (`{ type: 'error', error: { type, message }, request_id }`),
 * `canceled` or `expired`.
 */
export function resultLine(customId: string, type: AnthropicResultType, detail: { message?: string; errorType?: string; errorMessage?: string; requestId?: string }): string {
  let result: string;
  if (type === 'succeeded') result = `{"type":"succeeded","message":${detail.message ?? 'null'}}`;
  else if (type === 'errored') {
    const error = JSON.stringify({ type: detail.errorType ?? 'api_error', message: detail.errorMessage ?? 'Internal server error' });
    result = `{"type":"errored","error":{"type":"error","error":${error},"request_id":${JSON.stringify(detail.requestId ?? null)}}}`;
  } else result = `{"type":"${type}"}`;
  return `{"custom_id":${JSON.stringify(customId)},"result":${result}}\n`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
