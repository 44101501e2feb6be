import { defer, type Observable } from 'rxjs';
import type { ProviderRequest } from '../../types.js';
import type { HttpPostOptions } from '../../transport/http-types.js';
import { postJson } from '../../transport/post-json.js';
import { postSse } from '../../transport/post-sse.js';
import type { ChatChunk } from '../../types.js';
import type { ChatProvider } from '../../model/chat-provider.js';
import { toHttpPost, type TransportSettings } from '../provider-options.js';
import { readAnthropicRateLimit } from './read-anthropic-rate-limit.js';
import { anthropicChunks } from './anthropic-chunks.js';
import { createAnthropicBatch } from './anthropic-batch.js';
import { readAnthropicError } from './anthropic-errors.js';
import { anthropicLimitedTokens } from './anthropic-limited-tokens.js';
import { ANTHROPIC_SERVICE_TIERS } from './anthropic-service-tiers.js';
import { wireServiceTier } from '../service-tiers.js';
import { toAnthropicChatResponse } from './anthropic-response.js';
import { type AnthropicStructuredMode, toAnthropicRequest } from './anthropic-wire-request.js';

/** The Messages API version header sent by default. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Everything `createAnthropicProvider` needs; `anthropic()` fills it from validated options. */
export interface AnthropicProviderSettings extends TransportSettings {
  /** Provider id, named in errors and model ids. @defaultValue `'anthropic'` */
  id?: string;
  /** `anthropic-version` header. @defaultValue `'2023-06-01'` */
  version?: string;
  /** `max_tokens` when a request sets no `maxTokens` (the API requires one). @defaultValue `4096` */
  defaultMaxTokens?: number;
  /** Native structured output, the forced tool, or native where the model has it. @defaultValue `'auto'` */
  structuredOutputMode?: AnthropicStructuredMode;
  /** The server has the Message Batches API. @defaultValue `false` */
  batchApi?: boolean;
}

/**
 * Creates the adapter for Anthropic's Messages API (`POST {baseURL}/v1/messages`). Each `chat` / `stream` call is
 * one cold attempt without retries (`customModel` adds them); unsubscribing aborts the socket.
 *
 * Requests: system messages go to `system`, the rest to `messages` (see `toAnthropicRequest`); a final assistant
 * message is continued (prefill). A `responseFormat` of type `json_schema` becomes native structured output
 * (`output_config.format`) on models that have it, else (and `json_object`) a forced tool call whose input, as JSON
 * text, is the answer's `text` — so structured output reads the same for every provider. An answer without the
 * tool call gives its text instead, which the structured layer validates like any other. Responses: `text` from the text blocks, `finishReason` = `stop_reason`, usage from
 * `input_tokens` (+ cache tokens) / `output_tokens`, `requestId` from `request-id`, `rateLimit` from the
 * `anthropic-ratelimit-*` headers (requests, tokens, input and output tokens). Streams: see `anthropicChunks`.
 * Errors: HTTP errors map by status and error type (`anthropicErrors`: `overloaded_error` 529 retryable,
 * `authentication_error` and `billing_error` fatal); a body of the wrong shape is a `ResponseValidationError`.
 *
 * @param settings - Endpoint, credentials, agent and limits.
 * @returns A `ChatProvider`.
 *
 * @example
 * ```ts
 * import { createAgent } from '../../transport/create-agent.js';
 * const provider = createAnthropicProvider({ baseURL: 'http://127.0.0.1:8080', dispatcher: createAgent(),
 *   timeoutMs: 60_000, idleTimeoutMs: 60_000, maxResponseBytes: 32 << 20 });
 * provider.chat({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hi' }], params: {} })
 *   .subscribe((response) => console.log(response.text));
 * ```
 */
export function createAnthropicProvider(settings: AnthropicProviderSettings): ChatProvider {
  const { id = 'anthropic', dispatcher, defaultMaxTokens = 4096, structuredOutputMode = 'auto' } = settings;
  const url = `${settings.baseURL.replace(/\/+$/, '')}/v1/messages`;
  const headers: Record<string, string> = {
    'user-agent': 'rxllm',
    'anthropic-version': settings.version ?? ANTHROPIC_VERSION,
    ...(settings.apiKey === undefined || settings.apiKey === '' ? {} : { 'x-api-key': settings.apiKey }),
    ...settings.headers,
  };
  const post = (request: ProviderRequest, stream: boolean): HttpPostOptions => {
    const serviceTier = wireServiceTier(ANTHROPIC_SERVICE_TIERS, request.params.serviceTier, id);
    return toHttpPost(settings, {
      url,
      headers,
      provider: id,
      body: toAnthropicRequest(request, defaultMaxTokens, stream, structuredOutputMode, serviceTier),
      readError: serviceTier === undefined ? readAnthropicError : (failure) => readAnthropicError(failure, serviceTier),
      readRateLimit: readAnthropicRateLimit,
      ...(stream ? { isLastEvent: isMessageStop } : {}),
    });
  };

  return {
    id,
    supportsPrefill: true,
    chat: (request) => defer(() => postJson(post(request, false), (response) => toAnthropicChatResponse(response, request, id))),
    stream: (request): Observable<ChatChunk> =>
      defer(() => postSse(post(request, true), () => anthropicChunks(request, id, structuredOutputMode))),
    close: () => dispatcher.close(),
    limitedTokens: anthropicLimitedTokens,
    ...(settings.batchApi === true
      ? {
          batch: createAnthropicBatch({
            ...settings,
            id,
            headers,
            toBody: (request) => toAnthropicRequest(request, defaultMaxTokens, false, structuredOutputMode),
            toResponse: (response, request) => toAnthropicChatResponse(response, request, id),
          }),
        }
      : {}),
  };
}

function isMessageStop(event: { event?: string; data: string }): boolean {
  return event.event === 'message_stop' || /^\s*\{\s*"type"\s*:\s*"message_stop"/.test(event.data);
}
