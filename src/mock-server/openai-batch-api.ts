import type { IncomingMessage, ServerResponse } from 'node:http';
import { type BatchHost, batchFaultOf, sendBody } from './batch-host.js';
import { BatchTimeline } from './batch-timeline.js';
import {
  batchObject,
  batchStatus,
  EXPIRED_ERROR,
  fileObject,
  type MockFile,
  type OpenAIBatch,
  outputLine,
  tokenLimitError,
} from './openai-batch-wire.js';
import { openaiWire } from './openai-wire.js';
import { readOpenAIBatchFile } from './read-openai-batch-file.js';
import { readRequestBody } from './read-request-body.js';
import { responsesWire } from './responses-wire.js';
import type { WireFormat } from './wire-format.js';

const MiB = 1024 * 1024;
/** OpenAI's per-file upload limit (openai-node `Files.create`: "Individual files can be up to 512 MB"). */
const MAX_UPLOAD_BYTES = 512 * MiB;
const MAX_JSON_BYTES = MiB;
/** Batch input limits (openai-node `BatchCreateParams.input_file_id`: "up to 50,000 requests, and can be up to 200 MB"). */
const MAX_REQUESTS = 50_000;
const MAX_BYTES = 200 * MiB;
const PURPOSES = new Set(['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals']);
const ENDPOINTS: Record<string, WireFormat> = { '/v1/chat/completions': openaiWire, '/v1/responses': responsesWire };

/**
 * OpenAI's Files and Batch APIs, in memory: `POST /v1/files` (multipart upload), `GET /v1/files/{id}` and
 * `/content`, `POST /v1/batches`, `GET /v1/batches` (newest first, `after` / `limit`), `GET /v1/batches/{id}`,
 * `POST /v1/batches/{id}/cancel`. A batch's items are answered as `/v1/chat/completions` or `/v1/responses` would
 * answer them; its output and error files are written once it ends, in processing order, not input order.
 */
export class OpenAIBatchApi {
  /** Ids are plain ASCII (`file-mock1`): paths are matched undecoded, so a malformed `%` escape is just an unknown id. */
  private readonly files = new Map<string, MockFile>();
  private readonly batches = new Map<string, OpenAIBatch>();
  private sequence = 0;
  private fileCount = 0;

  constructor(private readonly host: BatchHost) {}

  /** Answers a Files or Batch route; false when `path` is none of them. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean {
    const method = req.method ?? 'GET';
    const headers = { 'x-request-id': `req_mockbatch${++this.sequence}` };
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) =>
      sendBody(res, status, typeof body === 'string' ? body : JSON.stringify(body), { ...headers, ...extra });
    const fail = (status: number, message: string, extra?: Record<string, string>) => send(status, openaiWire.errorBody(status, message), extra);
    if (path === '/v1/files' && method === 'POST') {
      this.upload(req, send, fail).catch(() => fail(500, 'The mock server failed to store the file.'));
      return true;
    }
    if (path === '/v1/batches' && method === 'POST') {
      this.create(req, send, fail).catch(() => fail(500, 'The mock server failed to create the batch.'));
      return true;
    }
    const file = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
    const batch = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    if (file === null && batch === null && path !== '/v1/batches' && path !== '/v1/files') return false;
    req.resume();
    if (file !== null && method === 'DELETE' && file[2] === undefined) {
      const id = file[1] as string;
      if (!this.files.delete(id)) return fail(404, `No such File object: ${file[1]}`), true;
      send(200, { id, object: 'file', deleted: true });
    } else if (file !== null && method === 'GET') {
      const found = this.files.get(file[1] as string);
      if (found === undefined) return fail(404, `No such File object: ${file[1]}`), true;
      if (file[2] === undefined) send(200, fileObject(found));
      else sendBody(res, 200, found.content.toString('utf8'), headers, 'application/octet-stream');
    } else if (batch !== null && method === (batch[2] === undefined ? 'GET' : 'POST')) {
      const found = this.batches.get(batch[1] as string);
      if (found === undefined) return fail(404, `No batch found with id '${batch[1]}'.`), true;
      const now = this.host.config.clock();
      if (batch[2] !== undefined) {
        const status = batchStatus(found, now);
        if (status === 'failed' || status === 'completed' || status === 'expired' || status === 'cancelled' || status === 'cancelling') {
          return fail(400, `Cannot cancel a batch with status '${status}'.`), true;
        }
        found.failure = undefined;
        found.timeline.cancel(now);
      }
      send(200, this.render(found, now));
    } else if (path === '/v1/batches' && method === 'GET') {
      const page = this.list(query);
      if (typeof page === 'string') fail(400, page);
      else send(200, page);
    } else {
      fail(405, `Use ${path.startsWith('/v1/files') ? 'POST /v1/files or GET /v1/files/{id}' : 'the Batch API methods'} for ${method} ${path}.`);
    }
    return true;
  }

  private async upload(req: IncomingMessage, send: (status: number, body: unknown) => void, fail: (status: number, message: string) => void): Promise<void> {
    const body = await readRequestBody(req, MAX_UPLOAD_BYTES);
    if (body === undefined) return;
    if (body.tooLarge) return fail(413, `The file is larger than the ${MAX_UPLOAD_BYTES / MiB} MB a file may have.`);
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('multipart/form-data')) return fail(400, 'Expected a multipart/form-data body with the fields file and purpose.');
    let form: FormData;
    try {
      form = await new Response(body.bytes, { headers: { 'content-type': type } }).formData();
    } catch {
      return fail(400, 'The multipart/form-data body could not be parsed.');
    }
    const file = form.get('file');
    const purpose = form.get('purpose');
    if (!(file instanceof Blob)) return fail(400, "Missing required parameter: 'file'.");
    if (typeof purpose !== 'string') return fail(400, "Missing required parameter: 'purpose'.");
    if (!PURPOSES.has(purpose)) return fail(400, `Invalid value for 'purpose': ${JSON.stringify(purpose)}.`);
    const id = `file-mock${++this.fileCount}`;
    const stored: MockFile = {
      id,
      filename: (file as Partial<File>).name ?? 'upload.jsonl',
      purpose,
      createdAt: this.host.config.clock(),
      content: Buffer.from(await file.arrayBuffer()),
    };
    this.files.set(id, stored);
    send(200, fileObject(stored));
  }

  private async create(req: IncomingMessage, send: (status: number, body: unknown) => void, fail: (status: number, message: string, extra?: Record<string, string>) => void): Promise<void> {
    const body = await readRequestBody(req, MAX_JSON_BYTES);
    if (body === undefined) return;
    if (body.tooLarge) return fail(413, 'The request body is too large.');
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(body.bytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      return fail(400, 'The request body is not valid JSON.');
    }
    const { input_file_id: inputFileId, endpoint, completion_window: window, metadata } = params ?? {};
    if (typeof inputFileId !== 'string') return fail(400, "Missing required parameter: 'input_file_id'.");
    if (typeof endpoint !== 'string') return fail(400, "Missing required parameter: 'endpoint'.");
    const wire = ENDPOINTS[endpoint];
    if (wire === undefined) return fail(400, `Invalid value for 'endpoint': this mock serves ${Object.keys(ENDPOINTS).join(' and ')}.`);
    if (window !== '24h') return fail(400, "Invalid value for 'completion_window': expected '24h'.");
    const metadataProblem = checkMetadata(metadata);
    if (metadataProblem !== undefined) return fail(400, metadataProblem);
    const file = this.files.get(inputFileId);
    if (file === undefined) return fail(404, `No such File object: ${inputFileId}`);
    if (file.purpose !== 'batch') return fail(400, `The input file ${inputFileId} must be uploaded with purpose 'batch', not '${file.purpose}'.`);
    const fault = batchFaultOf(req.headers['x-mock-batch-fault'], this.host);
    if (typeof fault === 'object') return fail(fault.status, fault.error, fault.headers);

    const { config } = this.host;
    const now = config.clock();
    const content = readOpenAIBatchFile(file.content, endpoint, wire, {
      maxRequests: config.batchMaxRequests ?? MAX_REQUESTS,
      maxBytes: config.batchMaxBytes ?? MAX_BYTES,
      errorRate: config.batchErrorRate,
      seed: config.seed,
    });
    let failure = content.errors.length > 0 ? content.errors : undefined;
    if (failure === undefined && fault === 'failed') {
      failure = [{ code: 'invalid_request', message: 'This batch fails validation (mock fault: x-mock-batch-fault or batchFaults.failed).', line: 1, param: null }];
    }
    const limit = config.batchEnqueuedTokenLimit;
    if (failure === undefined && limit !== undefined && content.model !== undefined && this.enqueued(content.model, now) + content.inputTokens > limit) {
      failure = [tokenLimitError(content.model, limit)];
    }
    const id = `batch_mock${this.batches.size + 1}`;
    const keys = content.items.map((item) => item.customId);
    const batch: OpenAIBatch = {
      id,
      endpoint,
      inputFileId,
      metadata: (metadata as Record<string, string> | null | undefined) ?? null,
      model: content.model,
      inputTokens: content.inputTokens,
      timeline: new BatchTimeline(now, config.batchDelayMs, keys, config.seed, fault === 'expired'),
      failure,
      items: content.items,
      outputFileId: undefined,
      errorFileId: undefined,
      settled: false,
    };
    this.batches.set(id, batch);
    send(200, batchObject(batch, now, { completed: 0, failed: 0 }, true));
  }

  /** Input tokens of the batches of `model` that are not over yet (validating, in progress, finalizing). */
  private enqueued(model: string, now: number): number {
    let total = 0;
    for (const batch of this.batches.values()) {
      if (batch.model === model && batch.failure === undefined && batch.timeline.phase(now) !== 'ended') total += batch.inputTokens;
    }
    return total;
  }

  /** The batch object at `now`, writing its output and error files first if it has just ended. */
  private render(batch: OpenAIBatch, now: number): Record<string, unknown> {
    const { timeline } = batch;
    if (!batch.settled && batch.failure === undefined && timeline.phase(now) === 'ended') this.settle(batch);
    let completed = 0;
    let failed = 0;
    if (batch.failure === undefined) {
      for (const index of timeline.finished(Math.min(now, timeline.endedAt))) {
        const item = batch.items[index];
        if (item === undefined || typeof item.request === 'string' || item.serverError) failed++;
        else completed++;
      }
    }
    return batchObject(batch, now, { completed, failed });
  }

  /** Writes the output file (answers) and the error file (failed items; unfinished ones when it expired). */
  private settle(batch: OpenAIBatch): void {
    batch.settled = true;
    const { timeline } = batch;
    const wire = ENDPOINTS[batch.endpoint] ?? openaiWire;
    const created = Math.floor(timeline.endedAt / 1000);
    let output = '';
    let errors = '';
    const suffix = batch.id.replace(/^batch_/, '');
    const usage = { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 };
    for (const index of timeline.finished(timeline.endedAt)) {
      const item = batch.items[index];
      if (item === undefined) continue;
      const lineId = `batch_req_${suffix}_${index}`;
      const requestId = `req_${suffix}_${index}`;
      if (typeof item.request === 'string') {
        errors += outputLine(lineId, item.customId, { status: 400, requestId, body: wire.errorBody(400, item.request) });
      } else if (item.serverError) {
        const body = wire.errorBody(500, 'The server had an error while processing your request. Sorry about that!');
        errors += outputLine(lineId, item.customId, { status: 500, requestId, body });
      } else {
        const answer = this.host.buildAnswer(wire, item.request, this.host.config.answerTokens, `${suffix}_${index}`, created);
        usage.input_tokens += answer.request.inputTokens;
        usage.input_tokens_details.cached_tokens += answer.cachedTokens;
        usage.output_tokens += answer.pieces.length;
        output += outputLine(lineId, item.customId, { status: 200, requestId, body: wire.completion(answer) });
      }
    }
    if (timeline.end() === 'expired') {
      for (const index of timeline.unfinished(timeline.endedAt)) {
        const item = batch.items[index];
        if (item !== undefined) errors += outputLine(`batch_req_${suffix}_${index}`, item.customId, undefined, EXPIRED_ERROR);
      }
    }
    usage.total_tokens = usage.input_tokens + usage.output_tokens;
    batch.usage = usage;
    if (output !== '') batch.outputFileId = this.store(`${batch.id}_output.jsonl`, output, timeline.endedAt);
    if (errors !== '') batch.errorFileId = this.store(`${batch.id}_error.jsonl`, errors, timeline.endedAt);
  }

  private store(filename: string, content: string, createdAt: number): string {
    const id = `file-mock${++this.fileCount}`;
    this.files.set(id, { id, filename, purpose: 'batch_output', createdAt, content: Buffer.from(content) });
    return id;
  }

  /** `GET /v1/batches`: newest first, `limit` (1 to 100, default 20) after the `after` cursor. */
  private list(query: URLSearchParams): Record<string, unknown> | string {
    const limitText = query.get('limit');
    const limit = limitText === null ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return `Invalid value for 'limit': expected an integer from 1 to 100, got ${JSON.stringify(limitText)}.`;
    const all = [...this.batches.values()].reverse();
    const after = query.get('after');
    const start = after === null ? 0 : all.findIndex((batch) => batch.id === after) + 1;
    if (after !== null && start === 0) return `Invalid value for 'after': no batch ${JSON.stringify(after)}.`;
    const now = this.host.config.clock();
    const data = all.slice(start, start + limit).map((batch) => this.render(batch, now));
    return {
      object: 'list',
      data,
      first_id: (data[0]?.id as string | undefined) ?? null,
      last_id: (data.at(-1)?.id as string | undefined) ?? null,
      has_more: start + limit < all.length,
    };
  }
}

/** OpenAI's metadata rules (openai-node `Shared.Metadata`): up to 16 string pairs, keys ≤ 64 and values ≤ 512 characters. */
function checkMetadata(metadata: unknown): string | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) return "Invalid type for 'metadata': expected an object.";
  const entries = Object.entries(metadata);
  if (entries.length > 16) return "Invalid 'metadata': expected at most 16 keys.";
  for (const [key, value] of entries) {
    if (key.length > 64) return `Invalid 'metadata': the key ${JSON.stringify(key.slice(0, 20))}… is longer than 64 characters.`;
    if (typeof value !== 'string' || value.length > 512) return `Invalid 'metadata.${key}': expected a string of at most 512 characters.`;
  }
  return undefined;
}
