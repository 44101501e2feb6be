import { concatMap, filter, from, map, mergeMap, type Observable } from 'rxjs';
import { LlmError, ResponseValidationError } from '../../errors/llm-error.js';
import { errorFromResponse } from '../../errors/from-response.js';
import type { BatchItemResult, BatchLimits, BatchProvider, BatchStatus } from '../../model/batch-provider.js';
import { getText } from '../../transport/get-text.js';
import type { HttpPostOptions, JsonResponse } from '../../transport/http-types.js';
import { postJson } from '../../transport/post-json.js';
import type { ChatResponse, ProviderRequest } from '../../types.js';
import { toHttpPost, type TransportSettings } from '../provider-options.js';
import { readOpenAIError } from './openai-errors.js';
import { type OpenAIBatch, openAIBatchOutputLineSchema, openAIBatchSchema, openAIFileSchema } from './openai-batch-schemas.js';
import { parseOpenAIBody } from './parse-openai-body.js';

/** OpenAI's per-batch limits (Batch API guide: "up to 50,000 requests, and a batch input file can be up to 200 MB"). */
export const OPENAI_BATCH_LIMITS: BatchLimits = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 };

/** The error-file code of an item left unfinished by an expired batch (REAL-WORLD.md, "Batch APIs"). */
const EXPIRED_CODE = 'batch_expired';
/** The error-file code of an item left unfinished by a cancelled batch (OpenAI Batch API guide). */
const CANCELLED_CODE = 'batch_cancelled';
/** A batch refused for the organisation's enqueued-token limit; it may be created again once others progress. */
const TOKEN_LIMIT_CODE = 'token_limit_exceeded';
/** Uploads and downloads may be hundreds of MB: they get at least this long, and this much body. */
const FILE_TIMEOUT_MS = 10 * 60_000;
const FILE_MAX_BYTES = 512 * 1024 * 1024;

/** Everything `createOpenAIBatch` needs: the adapter's transport settings, headers and its request and response code. */
export interface OpenAIBatchSettings extends TransportSettings {
  id: string;
  /** The headers of every request (key, organisation, project). */
  headers: Record<string, string>;
  /** The `url` of each line and the batch's `endpoint`. */
  endpoint: '/v1/chat/completions' | '/v1/responses';
  /** The live request's body (`stream: false`). */
  toBody(request: ProviderRequest): unknown;
  /** The live response reader. */
  toResponse(response: JsonResponse, model: string): ChatResponse;
  /** Overrides of `OPENAI_BATCH_LIMITS` (tests). */
  limits?: BatchLimits;
}

/**
 * OpenAI's Batch API for an adapter: a JSONL file uploaded to `/files` (purpose `batch`), a batch created on
 * `/batches` with `completion_window: "24h"`, polled, and its output and error files read back by `custom_id`.
 * Each line is exactly the live request; each result is read by the live response reader and error mapping.
 *
 * @param settings - Transport settings, headers, endpoint and the adapter's request and response code.
 * @returns A `BatchProvider`.
 *
 * @example
 * ```ts
 * const batch = createOpenAIBatch({ ...transport, id: 'openai', headers, endpoint: '/v1/chat/completions', toBody, toResponse });
 * batch.create([batch.line('item-0', request)]).subscribe((status) => console.log(status.id));
 * ```
 */
export function createOpenAIBatch(settings: OpenAIBatchSettings): BatchProvider {
  const { id, endpoint, headers } = settings;
  const base = settings.baseURL.replace(/\/+$/, '');
  const fileSettings = { ...settings, timeoutMs: Math.max(settings.timeoutMs, FILE_TIMEOUT_MS), maxResponseBytes: Math.max(settings.maxResponseBytes, FILE_MAX_BYTES) };
  const http = (url: string, extra: Partial<HttpPostOptions> = {}, transport: TransportSettings = settings): HttpPostOptions => ({
    ...toHttpPost(transport, { url, headers, provider: id, body: extra.body ?? {}, readError: readOpenAIError }),
    ...extra,
  });
  const toStatus = (response: JsonResponse): BatchStatus => statusOf(parseOpenAIBody(openAIBatchSchema, response, id));
  const upload = (lines: readonly string[]): Observable<string> => {
    const boundary = `rxllm-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    const data =
      `--${boundary}\r\ncontent-disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="rxllm-batch.jsonl"\r\ncontent-type: application/jsonl\r\n\r\n` +
      `${lines.join('\n')}\n\r\n--${boundary}--\r\n`;
    const options = http(`${base}/files`, { rawBody: { contentType: `multipart/form-data; boundary=${boundary}`, data } }, fileSettings);
    return postJson(options, (response) => parseOpenAIBody(openAIFileSchema, response, id).id);
  };
  return {
    limits: settings.limits ?? OPENAI_BATCH_LIMITS,
    line: (customId, request) => JSON.stringify({ custom_id: customId, method: 'POST', url: endpoint, body: settings.toBody(request) }),
    create: (lines) =>
      upload(lines).pipe(
        concatMap((fileId) => postJson(http(`${base}/batches`, { body: { input_file_id: fileId, endpoint, completion_window: '24h' } }), toStatus)),
      ),
    retrieve: (batchId) => postJson(http(`${base}/batches/${encodeURIComponent(batchId)}`, { method: 'GET' }), toStatus),
    cancel: (batchId) => postJson(http(`${base}/batches/${encodeURIComponent(batchId)}/cancel`), toStatus),
    results: (status, requestOf) => {
      const batch = status.raw as OpenAIBatch;
      return from([batch.output_file_id, batch.error_file_id]).pipe(
        filter((fileId): fileId is string => typeof fileId === 'string' && fileId !== ''),
        concatMap((fileId) => getText(http(`${base}/files/${encodeURIComponent(fileId)}/content`, { method: 'GET' }, fileSettings))),
        mergeMap((text) => text.split('\n').filter((line) => line.trim() !== '')),
        map((line) => toItemResult(line, requestOf, settings)),
      );
    },
  };
}

function statusOf(batch: OpenAIBatch): BatchStatus {
  const counts = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
  const status: BatchStatus = { id: batch.id, phase: 'ended', counts, raw: batch };
  switch (batch.status) {
    case 'validating':
    case 'in_progress':
    case 'finalizing':
    case 'cancelling':
      status.phase = batch.status;
      return status;
    case 'completed':
    case 'expired':
    case 'cancelled':
      status.outcome = batch.status;
      return status;
    case 'failed': {
      const lines = (batch.errors?.data ?? []).map((error) => ({
        message: error.message ?? error.code ?? 'invalid line',
        ...(error.code == null ? {} : { code: error.code }),
        ...(error.line == null ? {} : { line: error.line }),
      }));
      status.outcome = 'failed';
      status.failure = {
        message: lines.map((line) => (line.line === undefined ? line.message : `line ${line.line}: ${line.message}`)).join('; ') || 'the batch failed',
        retryLater: lines.some((line) => line.code === TOKEN_LIMIT_CODE),
        lines,
      };
      return status;
    }
  }
}

function toItemResult(text: string, requestOf: (customId: string) => ProviderRequest | undefined, settings: OpenAIBatchSettings): BatchItemResult {
  const provider = settings.id;
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    throw new ResponseValidationError(`${provider}: a line of a batch result file is not JSON.`, { provider });
  }
  const parsed = openAIBatchOutputLineSchema.safeParse(json);
  if (!parsed.success) throw new ResponseValidationError(`${provider}: a line of a batch result file has the wrong shape.`, { provider });
  const { custom_id: customId, response, error } = parsed.data;
  if (error?.code === EXPIRED_CODE) return { customId, kind: 'expired' };
  if (error?.code === CANCELLED_CODE) return { customId, kind: 'cancelled' };
  if (response != null) {
    const meta = { status: response.status_code, headers: {}, ...(response.request_id == null ? {} : { requestId: response.request_id }) };
    if (response.status_code >= 200 && response.status_code < 300) {
      try {
        return { customId, kind: 'succeeded', response: settings.toResponse({ ...meta, body: response.body }, requestOf(customId)?.model ?? '') };
      } catch (readError) {
        return { customId, kind: 'errored', error: asLlmError(readError, provider) };
      }
    }
    const failure = { ...meta, provider, body: response.body };
    return { customId, kind: 'errored', error: readOpenAIError(failure) ?? errorFromResponse(failure) };
  }
  const message = error?.message ?? 'the batch returned no response for this item';
  return { customId, kind: 'errored', error: new LlmError(`${provider}: ${message}`, { provider, ...(error?.code == null ? {} : { code: error.code }) }) };
}

function asLlmError(error: unknown, provider: string): LlmError {
  return error instanceof LlmError ? error : new ResponseValidationError(`${provider}: ${String(error)}`, { provider });
}
