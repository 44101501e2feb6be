import { filter, map, mergeMap, type Observable } from 'rxjs';
import { z } from 'zod';
import { InvalidOptionsError, LlmError, ResponseValidationError } from '../../errors/llm-error.js';
import type { BatchItemResult, BatchLimits, BatchProvider, BatchStatus } from '../../model/batch-provider.js';
import { getText } from '../../transport/get-text.js';
import type { HttpPostOptions, JsonResponse } from '../../transport/http-types.js';
import { postJson } from '../../transport/post-json.js';
import type { ChatResponse, ProviderRequest } from '../../types.js';
import { toHttpPost, type TransportSettings } from '../provider-options.js';
import { readAnthropicError } from './anthropic-errors.js';

// Anthropic's Message Batches API. Shapes: anthropics/anthropic-sdk-typescript src/resources/messages/batches.ts
// (`MessageBatch`, `MessageBatchRequestCounts`, `MessageBatchIndividualResponse`, `MessageBatchResult`), and the API
// reference "Create a Message Batch" / "Retrieve Message Batch Results".

/** Anthropic's per-batch limits (Message Batches guide: "up to 100,000 Message requests or 256 MB in size"). */
export const ANTHROPIC_BATCH_LIMITS: BatchLimits = { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 };
/** `custom_id` rule of the API reference ("must be unique … ^[a-zA-Z0-9_-]{1,64}$"). */
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const FILE_TIMEOUT_MS = 10 * 60_000;
const FILE_MAX_BYTES = 512 * 1024 * 1024;

const messageBatchSchema = z.object({
  id: z.string(),
  processing_status: z.enum(['in_progress', 'canceling', 'ended']),
  request_counts: z.object({ processing: z.number(), succeeded: z.number(), errored: z.number(), canceled: z.number(), expired: z.number() }),
  results_url: z.string().nullish(),
});
type MessageBatch = z.output<typeof messageBatchSchema>;

const resultLineSchema = z.object({
  custom_id: z.string(),
  result: z.discriminatedUnion('type', [
    z.object({ type: z.literal('succeeded'), message: z.unknown() }),
    z.object({ type: z.literal('errored'), error: z.unknown() }),
    z.object({ type: z.literal('canceled') }),
    z.object({ type: z.literal('expired') }),
  ]),
});

/** Everything `createAnthropicBatch` needs: the adapter's transport settings, headers and request and response code. */
export interface AnthropicBatchSettings extends TransportSettings {
  id: string;
  headers: Record<string, string>;
  /** The live request's body (`stream: false`). */
  toBody(request: ProviderRequest): unknown;
  /** The live response reader. */
  toResponse(response: JsonResponse, request: ProviderRequest): ChatResponse;
}

/**
 * Anthropic's Message Batches for the adapter: one `POST /v1/messages/batches` with every request's `custom_id` and
 * `params` (exactly the live body), polled on `GET /v1/messages/batches/{id}`, results read from `results_url`
 * (JSONL, any order) once `processing_status` is `ended`: `succeeded` through the live response reader, `errored`
 * through the adapter's error mapping, `canceled` and `expired` as such.
 *
 * @param settings - Transport settings, headers and the adapter's request and response code.
 * @returns A `BatchProvider`.
 *
 * @example
 * ```ts
 * const batch = createAnthropicBatch({ ...transport, id: 'anthropic', headers, toBody, toResponse });
 * batch.create([batch.line('item-0', request)]).subscribe((status) => console.log(status.id));
 * ```
 */
export function createAnthropicBatch(settings: AnthropicBatchSettings): BatchProvider {
  const { id, headers } = settings;
  const base = `${settings.baseURL.replace(/\/+$/, '')}/v1/messages/batches`;
  const fileSettings = { ...settings, timeoutMs: Math.max(settings.timeoutMs, FILE_TIMEOUT_MS), maxResponseBytes: Math.max(settings.maxResponseBytes, FILE_MAX_BYTES) };
  const http = (url: string, extra: Partial<HttpPostOptions> = {}, transport: TransportSettings = settings): HttpPostOptions => ({
    ...toHttpPost(transport, { url, headers, provider: id, body: extra.body ?? {}, readError: readAnthropicError }),
    ...extra,
  });
  const toStatus = (response: JsonResponse): BatchStatus => {
    const parsed = messageBatchSchema.safeParse(response.body);
    if (!parsed.success) throw new ResponseValidationError(`${id} answered with a message batch of the wrong shape.`, { provider: id, status: response.status });
    return statusOf(parsed.data);
  };
  return {
    limits: ANTHROPIC_BATCH_LIMITS,
    line: (customId, request) => {
      if (!CUSTOM_ID.test(customId)) throw new InvalidOptionsError(`${id}: custom_id ${JSON.stringify(customId)} must match ^[a-zA-Z0-9_-]{1,64}$.`);
      return JSON.stringify({ custom_id: customId, params: settings.toBody(request) });
    },
    create: (lines) =>
      postJson(http(base, { rawBody: { contentType: 'application/json', data: `{"requests":[${lines.join(',')}]}` } }, fileSettings), toStatus),
    retrieve: (batchId) => postJson(http(`${base}/${encodeURIComponent(batchId)}`, { method: 'GET' }), toStatus),
    cancel: (batchId) => postJson(http(`${base}/${encodeURIComponent(batchId)}/cancel`), toStatus),
    results: (status, requestOf): Observable<BatchItemResult> => {
      const url = (status.raw as MessageBatch).results_url;
      if (url == null) throw new ResponseValidationError(`${id}: message batch ${status.id} has ended without a results_url.`, { provider: id });
      return getText(http(url, { method: 'GET' }, fileSettings)).pipe(
        mergeMap((text) => text.split('\n')),
        filter((line) => line.trim() !== ''),
        map((line) => toItemResult(line, requestOf, settings)),
      );
    },
  };
}

function statusOf(batch: MessageBatch): BatchStatus {
  const counts = batch.request_counts;
  const finished = counts.succeeded + counts.errored + counts.canceled + counts.expired;
  const status: BatchStatus = {
    id: batch.id,
    phase: batch.processing_status === 'ended' ? 'ended' : batch.processing_status === 'canceling' ? 'cancelling' : 'in_progress',
    counts: { total: finished + counts.processing, completed: counts.succeeded, failed: counts.errored + counts.expired + counts.canceled },
    raw: batch,
  };
  if (status.phase === 'ended') status.outcome = counts.canceled > 0 ? 'cancelled' : counts.expired > 0 ? 'expired' : 'completed';
  return status;
}

function toItemResult(text: string, requestOf: (customId: string) => ProviderRequest | undefined, settings: AnthropicBatchSettings): BatchItemResult {
  const provider = settings.id;
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    throw new ResponseValidationError(`${provider}: a line of a message batch's results is not JSON.`, { provider });
  }
  const parsed = resultLineSchema.safeParse(json);
  if (!parsed.success) throw new ResponseValidationError(`${provider}: a line of a message batch's results has the wrong shape.`, { provider });
  const { custom_id: customId, result } = parsed.data;
  switch (result.type) {
    case 'succeeded': {
      const request = requestOf(customId);
      if (request === undefined) return { customId, kind: 'expired' }; // not ours: the caller drops it
      try {
        return { customId, kind: 'succeeded', response: settings.toResponse({ status: 200, headers: {}, body: result.message }, request) };
      } catch (error) {
        return { customId, kind: 'errored', error: error instanceof LlmError ? error : new ResponseValidationError(`${provider}: ${String(error)}`, { provider }) };
      }
    }
    case 'errored': {
      const error = readAnthropicError({ status: 200, provider, body: result.error, headers: {} });
      return { customId, kind: 'errored', error: error ?? new LlmError(`${provider}: the request errored in the batch.`, { provider }) };
    }
    case 'canceled':
      return { customId, kind: 'cancelled' };
    case 'expired':
      return { customId, kind: 'expired' };
  }
}
