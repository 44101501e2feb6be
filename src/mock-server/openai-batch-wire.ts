import type { BatchTimeline } from './batch-timeline.js';
import type { MockChatRequest } from './read-chat-request.js';

// OpenAI's Files and Batch objects, after openai/openai-openapi @ f85dbe2 (openapi.yaml: `OpenAIFile`, `Batch`,
// `BatchError`, `ListBatchesResponse` and the examples of `POST /batches`, `GET /batches`, `POST /batches/{id}/cancel`)
// and the types of openai-node 6.49 (src/resources/batches.ts, files.ts). Timestamps are Unix seconds.

/** An uploaded file, or an output / error file the mock wrote. */
export interface MockFile {
  id: string;
  filename: string;
  purpose: string;
  /** ms since the epoch. */
  createdAt: number;
  content: Buffer;
}

/** One entry of a failed batch's `errors.data`. */
export interface OpenAIBatchError {
  code: string;
  message: string;
  line: number | null;
  param: string | null;
}

/** One request line of a batch, in input order. */
export interface OpenAIBatchItem {
  customId: string;
  /** The line's body as the live endpoint reads it, or the message of its 400. */
  request: MockChatRequest | string;
  /** Drawn to fail with a server error (`batchErrorRate`). */
  serverError: boolean;
}

/** A batch as the mock keeps it. */
export interface OpenAIBatch {
  id: string;
  endpoint: string;
  inputFileId: string;
  metadata: Record<string, string> | null;
  /** The model of its lines (all lines name the same one). */
  model: string | undefined;
  /** Estimated input tokens of its lines, counted against `batchEnqueuedTokenLimit`. */
  inputTokens: number;
  timeline: BatchTimeline;
  /** Validation or enqueued-token failure: the batch turns `failed` when validation ends. */
  failure: OpenAIBatchError[] | undefined;
  items: OpenAIBatchItem[];
  outputFileId: string | undefined;
  errorFileId: string | undefined;
  /** The output and error files have been written (once the batch ended). */
  settled: boolean;
  /** Token totals of the answered items (`BatchUsage`), once settled. */
  usage?: Record<string, unknown>;
}

/** The `file` object. */
export function fileObject(file: MockFile): Record<string, unknown> {
  const created = seconds(file.createdAt);
  return {
    id: file.id,
    object: 'file',
    bytes: file.content.length,
    created_at: created,
    // Batch files expire after 30 days by default (openai-node `FileCreateParams.expires_after`).
    expires_at: created + 30 * 86_400,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  };
}

/** The status a batch shows at `now`. */
export function batchStatus(batch: OpenAIBatch, now: number): string {
  const { timeline } = batch;
  if (batch.failure !== undefined) return now < timeline.validatedAt ? 'validating' : 'failed';
  const phase = timeline.phase(now);
  return phase === 'ended' ? timeline.end() : phase;
}

/** The `batch` object at `now`; `counts` are the finished items so far. */
export function batchObject(batch: OpenAIBatch, now: number, counts: { completed: number; failed: number }, creating = false): Record<string, unknown> {
  const { timeline } = batch;
  const status = creating ? 'validating' : batchStatus(batch, now);
  const validated = !creating && now >= timeline.validatedAt;
  const at = (reached: boolean, time: number | undefined) => (reached && time !== undefined ? seconds(time) : null);
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    model: batch.model ?? null,
    errors: status === 'failed' ? { object: 'list', data: batch.failure } : null,
    input_file_id: batch.inputFileId,
    completion_window: '24h',
    status,
    output_file_id: batch.outputFileId ?? null,
    error_file_id: batch.errorFileId ?? null,
    created_at: seconds(timeline.createdAt),
    in_progress_at: at(validated && status !== 'failed', timeline.validatedAt),
    expires_at: seconds(timeline.createdAt) + 86_400,
    finalizing_at: at(status === 'finalizing' || status === 'completed', timeline.processedAt),
    completed_at: at(status === 'completed', timeline.endedAt),
    failed_at: at(status === 'failed', timeline.validatedAt),
    expired_at: at(status === 'expired', timeline.endedAt),
    cancelling_at: at(timeline.cancelledAt !== undefined && (status === 'cancelling' || status === 'cancelled'), timeline.cancelledAt),
    cancelled_at: at(status === 'cancelled', timeline.endedAt),
    request_counts:
      validated && status !== 'failed' ? { total: batch.items.length, completed: counts.completed, failed: counts.failed } : { total: 0, completed: 0, failed: 0 },
    metadata: batch.metadata,
    ...(batch.usage === undefined ? {} : { usage: batch.usage }),
  };
}

/**
 * One line of an output or error file: `response` with the endpoint's status and JSON body, or `error` for a request
 * that never ran. Shape of `BatchRequestOutput` (the per-line object of the batch output and error files) in OpenAI's
 * API reference, whose example is `{"id": "batch_req_…", "custom_id": "request-2", "response": {"status_code": 200,
 * "request_id": "req_…", "body": {…}}, "error": null}`.
 */
export function outputLine(id: string, customId: string, response: { status: number; requestId: string; body: string } | undefined, error?: { code: string; message: string }): string {
  const responseJson = response === undefined ? 'null' : `{"status_code":${response.status},"request_id":"${response.requestId}","body":${response.body}}`;
  return `{"id":"${id}","custom_id":${JSON.stringify(customId)},"response":${responseJson},"error":${error === undefined ? 'null' : JSON.stringify(error)}}\n`;
}

/**
 * An unfinished item of an expired batch, as OpenAI's Batch guide describes it: in the error file, with code
 * `batch_expired` (REAL-WORLD.md, "Batch APIs").
 */
export const EXPIRED_ERROR = { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' };

/**
 * The enqueued-token failure, worded as OpenAI sends it (openai/openai-python#2084: `BatchError(code=
 * 'token_limit_exceeded', line=None, message='Enqueued token limit reached for gpt-4o-mini in organization org-….
 * Limit: 2,000,000 enqueued tokens. Please try again once some in_progress batches have been completed.')`).
 */
export function tokenLimitError(model: string, limit: number): OpenAIBatchError {
  return {
    code: 'token_limit_exceeded',
    message: `Enqueued token limit reached for ${model} in organization org-mock. Limit: ${limit.toLocaleString('en-US')} enqueued tokens. Please try again once some in_progress batches have been completed.`,
    line: null,
    param: null,
  };
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
