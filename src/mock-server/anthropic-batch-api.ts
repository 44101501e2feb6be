import type { IncomingMessage, ServerResponse } from 'node:http';
import { anthropicWire } from './anthropic-wire.js';
import { type AnthropicBatch, type AnthropicBatchItem, messageBatchObject, resultLine, resultTypeOf } from './anthropic-batch-wire.js';
import { type BatchHost, batchFaultOf, drawsItemError, sendBody } from './batch-host.js';
import { BatchTimeline } from './batch-timeline.js';
import { hashString, mixHash } from './hash-string.js';
import { readRequestBody } from './read-request-body.js';

const MiB = 1024 * 1024;
/** Message Batches limits: "up to 100,000 Message requests or 256 MB in size, whichever is reached first" (REAL-WORLD.md). */
const MAX_REQUESTS = 100_000;
const MAX_BYTES = 256 * MiB;
/** `custom_id` must match this and be unique within its batch (REAL-WORLD.md, "Batch APIs"). */
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Anthropic's Message Batches API, in memory: `POST /v1/messages/batches` (`requests: [{ custom_id, params }]`),
 * `GET /v1/messages/batches` (newest first; `limit`, `after_id`, `before_id`), `GET /v1/messages/batches/{id}`,
 * `POST /v1/messages/batches/{id}/cancel` and the results JSONL at `results_url` once the batch has `ended`, in
 * processing order, not input order. `params` are checked per request when it runs: a bad one is an `errored`
 * result, not a refused create; a create over the size or count limit is refused with 413.
 */
export class AnthropicBatchApi {
  private readonly batches = new Map<string, AnthropicBatch>();
  private sequence = 0;
  private created = 0;

  constructor(private readonly host: BatchHost) {}

  /** Answers a Message Batches route; false when `path` is none of them. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean {
    const method = req.method ?? 'GET';
    const headers = { 'request-id': `req_mockbatch${++this.sequence}` };
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) =>
      sendBody(res, status, typeof body === 'string' ? body : JSON.stringify(body), { ...headers, ...extra });
    const fail = (status: number, message: string, extra?: Record<string, string>) => send(status, anthropicWire.errorBody(status, message), extra);
    if (path === '/v1/messages/batches' && method === 'POST') {
      this.create(req, send, fail).catch(() => fail(500, 'The mock server failed to create the batch.'));
      return true;
    }
    const route = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/.exec(path);
    if (route === null && path !== '/v1/messages/batches') return false;
    req.resume();
    const now = this.host.config.clock();
    if (route === null) {
      if (method !== 'GET') return fail(405, `Use GET or POST for ${path}.`), true;
      const page = this.list(query, now);
      if (typeof page === 'string') fail(400, page);
      else send(200, page);
      return true;
    }
    const batch = this.batches.get(route[1] as string);
    const action = route[2];
    if (batch === undefined) return fail(404, `Message batch ${JSON.stringify(route[1])} not found.`), true;
    if (method === 'DELETE' && action === undefined) {
      if (batch.timeline.phase(now) !== 'ended') return fail(400, `Message batch ${batch.id} has not ended; cancel it before deleting it.`), true;
      this.batches.delete(batch.id);
      send(200, { id: batch.id, type: 'message_batch_deleted' });
      return true;
    }
    if (method !== (action === '/cancel' ? 'POST' : 'GET')) return fail(405, `Use ${action === '/cancel' ? 'POST' : 'GET'} for ${path}.`), true;
    if (action === '/results') {
      if (batch.timeline.phase(now) !== 'ended') return fail(404, `Results of message batch ${batch.id} are not available until its processing has ended.`), true;
      sendBody(res, 200, this.results(batch), headers, 'application/binary');
      return true;
    }
    if (action === '/cancel') batch.timeline.cancel(now);
    send(200, messageBatchObject(batch, now, this.host.url));
    return true;
  }

  private async create(req: IncomingMessage, send: (status: number, body: unknown) => void, fail: (status: number, message: string, extra?: Record<string, string>) => void): Promise<void> {
    const { config } = this.host;
    const maxBytes = config.batchMaxBytes ?? MAX_BYTES;
    const maxRequests = config.batchMaxRequests ?? MAX_REQUESTS;
    const body = await readRequestBody(req, maxBytes);
    if (body === undefined) return;
    if (body.tooLarge) return fail(413, `The batch is larger than the ${maxBytes} bytes a message batch may have.`);
    let params: unknown;
    try {
      params = JSON.parse(body.bytes.toString('utf8'));
    } catch {
      return fail(400, 'The request body is not valid JSON.');
    }
    const requests = isRecord(params) ? params.requests : undefined;
    if (!Array.isArray(requests) || requests.length === 0) return fail(400, 'requests: expected a non-empty array of { custom_id, params }.');
    if (requests.length > maxRequests) return fail(413, `The batch has ${requests.length} requests, more than the ${maxRequests} a message batch may have.`);
    const fault = batchFaultOf(req.headers['x-mock-batch-fault'], this.host);
    if (typeof fault === 'object') return fail(fault.status, fault.error, fault.headers);

    const items: AnthropicBatchItem[] = [];
    const seen = new Set<string>();
    for (let index = 0; index < requests.length; index++) {
      const entry: unknown = requests[index];
      if (!isRecord(entry)) return fail(400, `requests.${index}: expected an object with custom_id and params.`);
      const customId = entry.custom_id;
      if (typeof customId !== 'string' || !CUSTOM_ID.test(customId)) {
        return fail(400, `requests.${index}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'.`);
      }
      if (seen.has(customId)) return fail(400, `requests.${index}.custom_id: ${JSON.stringify(customId)} is used by another request; custom_id must be unique within a batch.`);
      seen.add(customId);
      if (!isRecord(entry.params)) return fail(400, `requests.${index}.params: Field required`);
      const request = entry.params.stream === true ? 'stream: not supported in a message batch.' : anthropicWire.read(entry.params);
      const serverError = drawsItemError(mixHash(hashString(customId), config.seed ^ 0x68e31da4), config.batchErrorRate);
      items.push({ customId, request, serverError });
    }
    const now = config.clock();
    const id = `msgbatch_mock${++this.created}`;
    const timeline = new BatchTimeline(now, config.batchDelayMs, items.map((item) => item.customId), config.seed, fault === 'expired');
    const batch: AnthropicBatch = { id, timeline, items, invalid: fault === 'failed' };
    this.batches.set(id, batch);
    send(200, messageBatchObject(batch, now, this.host.url, true));
  }

  /** The results JSONL: the finished requests in processing order, then the canceled or expired ones. */
  private results(batch: AnthropicBatch): string {
    const { timeline } = batch;
    const suffix = batch.id.replace(/^msgbatch_/, '');
    let out = '';
    const finished = timeline.finished(timeline.endedAt);
    for (const index of finished) {
      const item = batch.items[index] as AnthropicBatchItem;
      const type = resultTypeOf(batch, index, true);
      const requestId = `req_${suffix}_${index}`;
      if (type === 'succeeded' && typeof item.request !== 'string') {
        const answer = this.host.buildAnswer(anthropicWire, item.request, this.host.config.answerTokens, `${suffix}_${index}`, Math.floor(timeline.endedAt / 1000));
        out += resultLine(item.customId, type, { message: anthropicWire.completion(answer) });
      } else if (batch.invalid) {
        out += resultLine(item.customId, 'errored', { errorType: 'invalid_request_error', errorMessage: 'This request fails validation (mock fault: x-mock-batch-fault or batchFaults.failed).', requestId });
      } else if (typeof item.request === 'string') {
        out += resultLine(item.customId, 'errored', { errorType: 'invalid_request_error', errorMessage: item.request, requestId });
      } else {
        out += resultLine(item.customId, 'errored', { errorType: 'api_error', errorMessage: 'Internal server error', requestId });
      }
    }
    for (const index of timeline.unfinished(timeline.endedAt)) {
      const item = batch.items[index] as AnthropicBatchItem;
      out += resultLine(item.customId, resultTypeOf(batch, index, false), {});
    }
    return out;
  }

  /** `GET /v1/messages/batches`: newest first; `limit` 1 to 1000 (default 20) after `after_id` or before `before_id`. */
  private list(query: URLSearchParams, now: number): Record<string, unknown> | string {
    const limitText = query.get('limit');
    const limit = limitText === null ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return `limit: expected an integer from 1 to 1000, got ${JSON.stringify(limitText)}.`;
    const all = [...this.batches.values()].reverse();
    const afterId = query.get('after_id');
    const beforeId = query.get('before_id');
    let start = 0;
    let end = all.length;
    if (afterId !== null) {
      start = all.findIndex((batch) => batch.id === afterId) + 1;
      if (start === 0) return `after_id: no message batch ${JSON.stringify(afterId)}.`;
      end = Math.min(all.length, start + limit);
    } else if (beforeId !== null) {
      end = all.findIndex((batch) => batch.id === beforeId);
      if (end === -1) return `before_id: no message batch ${JSON.stringify(beforeId)}.`;
      start = Math.max(0, end - limit);
    } else {
      end = Math.min(all.length, limit);
    }
    const data = all.slice(start, end).map((batch) => messageBatchObject(batch, now, this.host.url));
    return {
      data,
      has_more: beforeId !== null ? start > 0 : end < all.length,
      first_id: (data[0]?.id as string | undefined) ?? null,
      last_id: (data.at(-1)?.id as string | undefined) ?? null,
    };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
