import { APIConnectionError, ResponseValidationError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../types.js';
import { failureOn, isErrorBody } from '../error-body.js';
import { readAnthropicError } from './anthropic-errors.js';
import type { SseEvent } from '../../transport/http-types.js';
import type { SseReader } from '../../transport/post-sse.js';
import type { ChatChunk, RateLimitInfo } from '../../types.js';
import { mergeUsage, parseWith, REFUSAL, toUsage } from './anthropic-response.js';
import { type AnthropicStreamEvent, type AnthropicUsage, anthropicStreamEventSchema } from './anthropic-schemas.js';
import { type AnthropicStructuredMode, structuredRoute } from './anthropic-wire-request.js';

const KNOWN_EVENTS = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
]);

interface StreamState {
  requestId?: string;
  rateLimit?: RateLimitInfo;
  model?: string;
  /** True once a chunk carried the response metadata. */
  announced: boolean;
  /** The wire usage so far: `message_start`'s, with each field a `message_delta` sends laid over it. */
  usage: AnthropicUsage;
  finishReason: string | null;
  stopped: boolean;
  /** Content blocks by index: kind, and JSON characters sent for the structured tool. */
  blocks: Map<number, { structured: boolean; sent: number }>;
  sawTool: boolean;
  /** Characters of answer text emitted so far. */
  textSent: number;
  /** Text written beside a structured tool: the answer if the tool is never called, or a refusal's text. */
  heldText: string;
  /** `stop_details.explanation` of a refusal. */
  explanation?: string;
}

/**
 * Turns Anthropic Messages SSE events into `ChatChunk`s: `text_delta`s become text chunks (for a structured
 * request sent as a tool, the tool's `input_json_delta`s do instead, and the text is held back: it is the answer,
 * sent before the final chunk, only if the tool is never called), `ping` and unknown events are ignored, and
 * `message_stop` gives the final chunk with `finishReason` (from `message_delta`) and `usage` (`message_start`'s,
 * with each field `message_delta` sends laid over it, as the official SDK does). The first chunk carries `requestId`,
 * `model` and `rateLimit`. A refusal (`stop_reason: "refusal"`) ends with `finishReason: 'refusal'`; a structured
 * request's refusal emits the text the model wrote (held until then) or `stop_details.explanation`.
 *
 * Errors: an `error` event becomes the class of its type (`overloaded_error` → retryable `ServerError`); malformed
 * JSON or shapes a `ResponseValidationError`; a stream that ends without `message_stop` an `APIConnectionError`.
 * One reader per attempt, run by `postSse` inside its event callback (no Observable layer per stream or event).
 *
 * @param request - The request, for its structured-output tool.
 * @param provider - Provider id for error messages.
 * @param mode - How structured output was asked for (as given to `toAnthropicRequest`).
 * @returns A fresh reader.
 *
 * @example
 * ```ts
 * const chunks$ = postSse(options, () => anthropicChunks(request, 'anthropic')); // ChatChunks
 * ```
 */
export function anthropicChunks(request: ProviderRequest, provider: string, mode: AnthropicStructuredMode = 'auto'): SseReader<ChatChunk> {
  const route = structuredRoute(request, mode);
  const toolName = route?.kind === 'tool' ? route.tool.name : undefined;
  const state: StreamState = {
    announced: false,
    usage: {},
    finishReason: null,
    stopped: false,
    blocks: new Map(),
    sawTool: false,
    textSent: 0,
    heldText: '',
  };
  return {
    push: (event) => (state.stopped ? [] : handleEvent(event, state, toolName, provider)),
    end: () => {
      if (state.stopped) return [];
      throw new APIConnectionError(`${provider}: stream ended early (no message_stop event).`, {
        provider,
        ...(state.requestId === undefined ? {} : { requestId: state.requestId }),
      });
    },
  };
}

function handleEvent(sse: SseEvent, state: StreamState, toolName: string | undefined, provider: string): ChatChunk[] {
  if (state.requestId === undefined && sse.response.requestId !== undefined) state.requestId = sse.response.requestId;
  if (state.rateLimit === undefined && sse.response.rateLimit !== undefined) state.rateLimit = sse.response.rateLimit;
  let json: unknown;
  try {
    json = JSON.parse(sse.data);
  } catch {
    // no `cause`: V8's SyntaxError quotes the data, which may echo secrets we do not know
    throw new APIConnectionError(`${provider} sent a stream event that is not JSON.`, {
      provider,
      code: 'malformed_body',
      ...(state.requestId === undefined ? {} : { requestId: state.requestId }),
    });
  }
  // An `error` event, or an error envelope a gateway sent in its place: the class its type stands for.
  if (isErrorBody(json)) throw readAnthropicError(failureOn(sse.response, provider, json))!;
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && !KNOWN_EVENTS.has(type)) return []; // a newer event type: ignored
  const event = parseWith(anthropicStreamEventSchema, json, provider, state.requestId);
  return toChunks(event, state, toolName, provider);
}

function toChunks(event: AnthropicStreamEvent, state: StreamState, toolName: string | undefined, provider: string): ChatChunk[] {
  switch (event.type) {
    case 'message_start':
      if (event.message.model != null) state.model = event.message.model;
      state.usage = mergeUsage(state.usage, event.message.usage);
      return [];
    case 'content_block_start': {
      const block = event.content_block;
      const structured = toolName !== undefined && block.type === 'tool_use' && block.name === toolName;
      if (structured) state.sawTool = true;
      state.blocks.set(event.index, { structured, sent: 0 });
      if (block.type === 'text' && block.text) return textChunks(state, toolName, block.text);
      return [];
    }
    case 'content_block_delta': {
      const block = state.blocks.get(event.index);
      const { delta } = event;
      if (delta.type === 'text_delta' && delta.text) return textChunks(state, toolName, delta.text);
      if (block?.structured === true && delta.type === 'input_json_delta' && delta.partial_json) {
        block.sent += delta.partial_json.length;
        return [announce(state, { text: delta.partial_json })];
      }
      return [];
    }
    case 'content_block_stop': {
      const block = state.blocks.get(event.index);
      if (block?.structured === true && block.sent === 0) {
        block.sent = 2;
        return [announce(state, { text: '{}' })];
      }
      return [];
    }
    case 'message_delta': {
      if (event.delta.stop_reason != null) state.finishReason = event.delta.stop_reason;
      if (event.delta.stop_details?.explanation != null) state.explanation = event.delta.stop_details.explanation;
      state.usage = mergeUsage(state.usage, event.usage);
      return [];
    }
    case 'message_stop': {
      state.stopped = true;
      const final: ChatChunk = { text: '', finishReason: state.finishReason, usage: toUsage(state.usage) };
      if (state.usage.service_tier) final.serviceTier = state.usage.service_tier;
      if (state.finishReason === REFUSAL) {
        // The refusal's text: held text of a structured request, else the explanation when no text came.
        const text = toolName !== undefined && !state.sawTool ? state.heldText : '';
        const refusal = text !== '' ? text : state.textSent === 0 && !state.sawTool ? (state.explanation ?? '') : '';
        return refusal === '' ? [announce(state, final)] : [announce(state, { text: refusal }), final];
      }
      // A structured request answered with JSON text instead of the tool call: the text is the answer (validated later).
      if (toolName === undefined || state.sawTool || state.heldText === '') return [announce(state, final)];
      return [announce(state, { text: state.heldText }), final];
    }
    case 'ping':
      return [];
    case 'error':
      // Read before parsing (see `handleEvent`); an error event always has an envelope.
      throw new ResponseValidationError(`${provider} sent an error event without an error.`, { provider });
  }
}

/** A text piece: emitted for a plain request, held for a structured one while the tool call may still come. */
function textChunks(state: StreamState, toolName: string | undefined, text: string): ChatChunk[] {
  if (toolName !== undefined) {
    if (!state.sawTool) state.heldText += text;
    return [];
  }
  state.textSent += text.length;
  return [announce(state, { text })];
}

/** Adds the response metadata to the first chunk. */
function announce(state: StreamState, chunk: ChatChunk): ChatChunk {
  if (state.announced) return chunk;
  state.announced = true;
  return {
    ...chunk,
    ...(state.requestId === undefined ? {} : { requestId: state.requestId }),
    ...(state.model === undefined ? {} : { model: state.model }),
    ...(state.rateLimit === undefined ? {} : { rateLimit: state.rateLimit }),
  };
}
