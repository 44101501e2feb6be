import { APIConnectionError, ResponseValidationError } from '../../errors/llm-error.js';
import type { ResponseMeta, SseEvent } from '../../transport/http-types.js';
import { failureOn, isErrorBody } from '../error-body.js';
import { preview } from '../../transport/post-json.js';
import type { SseReader } from '../../transport/post-sse.js';
import type { ChatChunk, Usage } from '../../types.js';
import { readOpenAIError } from './openai-errors.js';
import { isOpenAIChatChunk, openAIChatChunkSchema } from './openai-schemas.js';
import { toOpenAIUsage } from './openai-usage.js';

/**
 * Creates the state machine that reads an OpenAI Chat Completions stream.
 *
 * Chunks with text are emitted as they come, and so are `delta.refusal` pieces (a refusal's text; the final chunk
 * then says `finishReason: 'refusal'`); chunks with no text, no finish reason and no usage are skipped. The
 * finish reason and the usage (which `include_usage` sends in a separate last chunk with empty `choices`) are merged
 * into **one final chunk** `{ text: '', finishReason, usage }`, emitted at `data: [DONE]` (or when the body ends
 * after a finish reason without `[DONE]`); it carries the chunks' `service_tier` as `serviceTier`. The first emitted chunk carries `requestId`, `model` and `rateLimit`; the
 * final chunk repeats `model` when the name came only after the first chunk (`model: ""` counts as none).
 * A `{"error": …}` event fails with the class its type or code maps to (a plain `ServerError` when unknown);
 * malformed JSON or a wrong shape fails with `ResponseValidationError`; a body that ends with neither `[DONE]` nor
 * a finish reason fails with `APIConnectionError` (retryable before the first chunk).
 *
 * @param provider - Provider id for error messages.
 * @param requestModel - Model name used when the server names none.
 * @returns A fresh reader.
 *
 * @example
 * ```ts
 * const chunks$ = postSse(options, () => createOpenAIStreamReader('openai', 'gpt-4o-mini')); // ChatChunks
 * ```
 */
export function createOpenAIStreamReader(provider: string, requestModel: string): SseReader<ChatChunk> {
  let done = false;
  let started = false;
  let meta: ResponseMeta | undefined;
  let model: string | undefined;
  /** The model name the first chunk carried. */
  let announcedModel: string | undefined;
  let finishReason: string | undefined;
  let usage: Usage | undefined;
  /** The chunks' `service_tier`: the tier that served the request (the last one said wins). */
  let serviceTier: string | undefined;
  /** A `delta.refusal` arrived: the final chunk says `refusal` whatever finish_reason the server sent. */
  let refused = false;

  /** Adds the response's facts to the first chunk emitted (always a fresh object of ours, so it is filled in place). */
  const withMeta = (chunk: ChatChunk): ChatChunk => {
    if (started) return chunk;
    started = true;
    announcedModel = model ?? requestModel;
    chunk.model = announcedModel;
    if (meta?.requestId !== undefined) chunk.requestId = meta.requestId;
    if (meta?.rateLimit !== undefined) chunk.rateLimit = meta.rateLimit;
    return chunk;
  };
  const finalChunks = (): ChatChunk[] => {
    done = true;
    if (finishReason === undefined && usage === undefined) return [];
    const wasStarted = started;
    const chunk = withMeta({ text: '', finishReason: refused ? 'refusal' : (finishReason ?? null), ...(usage === undefined ? {} : { usage }) });
    // A name learned after the first chunk (Azure's first chunk says `model: ""`) is repeated here, so it can be priced.
    if (wasStarted && model !== undefined && model !== announcedModel) chunk.model = model;
    if (serviceTier !== undefined) chunk.serviceTier = serviceTier;
    return [chunk];
  };
  const where = () => ({
    provider,
    ...(meta === undefined ? {} : { status: meta.status }),
    ...(meta?.requestId === undefined ? {} : { requestId: meta.requestId }),
  });

  return {
    push(event) {
      if (done) return [];
      meta = event.response;
      const data = event.data.trim();
      if (data === '[DONE]') return finalChunks();
      let json: unknown;
      try {
        json = JSON.parse(data) as unknown;
      } catch {
        // no `cause`: the SyntaxError quotes the data verbatim
        throw new APIConnectionError(`${provider} sent a stream event that is not JSON: ${preview(data)}`, { ...where(), code: 'malformed_body' });
      }
      if (isErrorBody(json)) throw readOpenAIError(failureOn(meta, provider, json))!;
      // An `event: error` whose data is no envelope: its data is the error.
      if (event.event === 'error') throw readOpenAIError(failureOn(meta, provider, { error: json }))!;
      // The hand-written check is the fast path; zod runs only for a chunk it refuses (for the error message).
      const parsed = isOpenAIChatChunk(json) ? { success: true as const, data: json } : openAIChatChunkSchema.safeParse(json);
      if (!parsed.success) {
        throw new ResponseValidationError(`${provider} sent a stream chunk of the wrong shape: ${parsed.error.issues[0]?.message ?? ''}`, {
          ...where(),
          issues: parsed.error.issues,
        });
      }
      const chunk = parsed.data;
      if (model === undefined && chunk.model) model = chunk.model; // `""` (Azure's first chunk) names no model
      if (chunk.service_tier) serviceTier = chunk.service_tier;
      const choice = chunk.choices?.[0];
      const out: ChatChunk[] = [];
      const text = choice?.delta?.content ?? '';
      if (text !== '') out.push(withMeta({ text }));
      const refusal = choice?.delta?.refusal ?? '';
      if (refusal !== '') {
        refused = true;
        out.push(withMeta({ text: refusal }));
      }
      if (choice?.finish_reason != null) finishReason = choice.finish_reason;
      if (chunk.usage != null) usage = toOpenAIUsage(chunk.usage);
      return out;
    },
    end() {
      if (done) return [];
      if (finishReason !== undefined) return finalChunks();
      throw new APIConnectionError(`${provider}: the stream ended early (no [DONE] and no finish_reason).`, {
        provider,
        ...(meta?.requestId === undefined ? {} : { requestId: meta.requestId }),
        code: 'stream_ended_early',
      });
    },
  };
}
