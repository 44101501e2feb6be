import { APIConnectionError, ResponseValidationError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../model/resolve-prompt.js';
import { failureOn, isErrorBody } from '../error-body.js';
import { readAnthropicError } from './anthropic-errors.js';
import type { SseEvent } from '../../transport/http-types.js';
import type { SseReader } from '../../transport/post-sse.js';
import type { ChatChunk, RateLimitInfo, Usage } from '../../types.js';
import { parseWith, toUsage } from './anthropic-response.js';
import { type AnthropicStreamEvent, anthropicStreamEventSchema } from './anthropic-schemas.js';
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
  usage: Usage;
  finishReason: string | null;
  stopped: boolean;
  /** Content blocks by index: kind, and JSON characters sent for the structured tool. */
  blocks: Map<number, { structured: boolean; sent: number }>;
  sawTool: boolean;
  /** Text written beside a structured tool: the answer if the tool is never called. */
  heldText: string;
}

/**
 * Turns Anthropic Messages SSE events into `ChatChunk`s: `text_delta`s become text chunks (for a structured
 * request sent as a tool, the tool's `input_json_delta`s do instead, and the text is held back: it is the answer,
 * sent before the final chunk, only if the tool is never called), `ping` and unknown events are ignored, and
 * `message_stop` gives the final chunk with `finishReason` (from `message_delta`) and `usage` (input from
 * `message_start`, output from `message_delta`). The first chunk carries `requestId`, `model` and `rateLimit`.
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
    usage: { inputTokens: 0, outputTokens: 0 },
    finishReason: null,
    stopped: false,
    blocks: new Map(),
    sawTool: false,
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
    throw new ResponseValidationError(`${provider} sent a stream event that is not JSON.`, {
      provider,
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
      state.usage.inputTokens = toUsage(event.message.usage).inputTokens;
      return [];
    case 'content_block_start': {
      const block = event.content_block;
      const structured = toolName !== undefined && block.type === 'tool_use' && block.name === toolName;
      if (structured) state.sawTool = true;
      state.blocks.set(event.index, { structured, sent: 0 });
      if (block.type === 'text' && block.text) return textChunk(state, toolName, block.text);
      return [];
    }
    case 'content_block_delta': {
      const block = state.blocks.get(event.index);
      const { delta } = event;
      if (delta.type === 'text_delta' && delta.text) return textChunk(state, toolName, delta.text);
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
      const usage = event.usage;
      if (usage?.output_tokens != null) state.usage.outputTokens = usage.output_tokens;
      if (usage?.input_tokens != null) state.usage.inputTokens = Math.max(state.usage.inputTokens, toUsage(usage).inputTokens);
      return [];
    }
    case 'message_stop':
    {
      state.stopped = true;
      const final = { text: '', finishReason: state.finishReason, usage: { ...state.usage } };
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

/** A text piece: sent at once, or held while a structured tool call may still come. */
function textChunk(state: StreamState, toolName: string | undefined, text: string): ChatChunk[] {
  if (toolName === undefined) return [announce(state, { text })];
  if (!state.sawTool) state.heldText += text;
  return [];
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
