import { APIConnectionError, ResponseValidationError } from '../../errors/llm-error.js';
import type { ResponseMeta } from '../../transport/http-types.js';
import { preview } from '../../transport/post-json.js';
import type { SseReader } from '../../transport/post-sse.js';
import type { ChatChunk } from '../../types.js';
import { failureOn, isErrorBody } from '../error-body.js';
import { readOpenAIError } from './openai-errors.js';
import { finishReasonOf } from './read-responses-output.js';
import { responsesBodySchema } from './responses-schemas.js';
import { toResponsesUsage } from './responses-usage.js';

const TERMINAL = /"type"\s*:\s*"response\.(?:completed|incomplete|failed)"/;

/**
 * True for a Responses stream's last event: `response.completed`, `response.incomplete` or `response.failed` (the
 * API sends no `data: [DONE]`).
 *
 * @example
 * ```ts
 * isResponsesLastEvent({ event: 'response.completed', data: '{}' }); // true
 * ```
 */
export function isResponsesLastEvent(event: { event?: string; data: string }): boolean {
  const name = event.event;
  if (name === 'response.completed' || name === 'response.incomplete' || name === 'response.failed') return true;
  return name === undefined && TERMINAL.test(event.data);
}

/**
 * Creates the state machine that reads a Responses API event stream.
 *
 * `response.output_text.delta` and `response.refusal.delta` events are emitted as text chunks (after a refusal delta
 * the final chunk says `finishReason: 'refusal'`); a terminal `response.completed` or `response.incomplete` gives
 * **one final chunk** `{ text: '', finishReason, usage }` (finish reasons as `readResponsesOutput` gives them). The
 * first emitted chunk carries `requestId`, `model` and `rateLimit`. Unknown events (reasoning deltas, web search,
 * `response.queued`, a `[DONE]` some proxies add) are ignored. An `error` event, its fields nested under `error` or at
 * the top level, fails the stream at once with the class its code or type maps to (the `response.failed` that follows
 * it is never read: one error, not two); a `response.failed` alone fails with its `response.error`. Malformed JSON
 * fails with `ResponseValidationError`; a body that ends before a terminal event with `APIConnectionError`.
 *
 * @param provider - Provider id for error messages.
 * @param requestModel - Model name used when the server names none.
 * @returns A fresh reader.
 *
 * @example
 * ```ts
 * const chunks$ = postSse(options, () => createResponsesStreamReader('openai', 'gpt-5-pro')); // ChatChunks
 * ```
 */
export function createResponsesStreamReader(provider: string, requestModel: string): SseReader<ChatChunk> {
  let done = false;
  let started = false;
  let refused = false;
  let meta: ResponseMeta | undefined;
  let model: string | undefined;

  const withMeta = (chunk: ChatChunk): ChatChunk => {
    if (started) return chunk;
    started = true;
    chunk.model = model ?? requestModel;
    if (meta?.requestId !== undefined) chunk.requestId = meta.requestId;
    if (meta?.rateLimit !== undefined) chunk.rateLimit = meta.rateLimit;
    return chunk;
  };
  const where = () => ({
    provider,
    ...(meta === undefined ? {} : { status: meta.status }),
    ...(meta?.requestId === undefined ? {} : { requestId: meta.requestId }),
  });
  const fail = (error: unknown) => readOpenAIError(failureOn(meta!, provider, { error }))!;

  return {
    push(event) {
      if (done) return [];
      meta = event.response;
      const data = event.data.trim();
      if (data === '[DONE]') return [];
      let json: unknown;
      try {
        json = JSON.parse(data) as unknown;
      } catch {
        throw new APIConnectionError(`${provider} sent a stream event that is not JSON: ${preview(data)}`, { ...where(), code: 'malformed_body' });
      }
      if (typeof json !== 'object' || json === null) {
        throw new ResponseValidationError(`${provider} sent a stream event that is not an object: ${preview(data)}`, where());
      }
      const record = json as Record<string, unknown>;
      // A gateway's plain envelope (`data: {"error": …}`) fails the stream like the typed `error` event.
      if (record.type === undefined && isErrorBody(record)) throw readOpenAIError(failureOn(meta, provider, record))!;
      const type = typeof record.type === 'string' ? record.type : event.event;
      switch (type) {
        case 'response.output_text.delta':
          return typeof record.delta === 'string' && record.delta !== '' ? [withMeta({ text: record.delta })] : [];
        case 'response.refusal.delta':
          refused = true;
          return typeof record.delta === 'string' && record.delta !== '' ? [withMeta({ text: record.delta })] : [];
        case 'response.created':
        case 'response.in_progress':
          readModel(record.response);
          return [];
        case 'error': {
          // Recorded streams nest the fields ({"type":"error","error":{…}}); openai-openapi's ResponseErrorEvent has
          // them at the top level ({"type":"error","code","message","param"}). REAL-WORLD.md, "OpenAI Responses API".
          const nested = record.error;
          throw fail(typeof nested === 'object' && nested !== null ? nested : { code: record.code, message: record.message, param: record.param });
        }
        case 'response.failed': {
          done = true;
          const failed = record.response as { error?: unknown } | undefined;
          throw fail(failed?.error ?? { message: 'response.failed' });
        }
        case 'response.completed':
        case 'response.incomplete':
          return finish(record.response);
        default:
          return [];
      }
    },
    end() {
      if (done) return [];
      throw new APIConnectionError(`${provider}: the stream ended early (no response.completed, response.incomplete or response.failed).`, {
        provider,
        ...(meta?.requestId === undefined ? {} : { requestId: meta.requestId }),
        code: 'stream_ended_early',
      });
    },
  };

  function readModel(response: unknown): void {
    if (model !== undefined || typeof response !== 'object' || response === null) return;
    const name = (response as { model?: unknown }).model;
    if (typeof name === 'string' && name !== '') model = name;
  }

  function finish(response: unknown): ChatChunk[] {
    done = true;
    const parsed = responsesBodySchema.safeParse(response);
    if (!parsed.success) {
      throw new ResponseValidationError(`${provider} sent a terminal event of the wrong shape: ${parsed.error.issues[0]?.message ?? ''}`, {
        ...where(),
        issues: parsed.error.issues,
      });
    }
    const body = parsed.data;
    const announced = started;
    readModel(body);
    const chunk = withMeta({ text: '', finishReason: refused ? 'refusal' : finishReasonOf(body), usage: toResponsesUsage(body.usage) });
    if (announced && body.model) chunk.model = body.model;
    if (body.service_tier) chunk.serviceTier = body.service_tier;
    return [chunk];
  }
}
