import type { Observable } from 'rxjs';
import { ResponseValidationError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../types.js';
import { failureOn } from '../error-body.js';
import type { HttpPostOptions, JsonResponse } from '../../transport/http-types.js';
import { postJson } from '../../transport/post-json.js';
import { postSse } from '../../transport/post-sse.js';
import type { ChatChunk, ChatResponse, RateLimitInfo } from '../../types.js';
import type { ChatProvider } from '../../model/chat-provider.js';
import { toHttpPost, type TransportSettings } from '../provider-options.js';
import { readOpenAIError } from './openai-errors.js';
import { parseOpenAIBody } from './parse-openai-body.js';
import { readOpenAIRateLimit } from './read-openai-rate-limit.js';
import { isOpenAIChatCompletion, type OpenAIChatCompletion, openAIChatCompletionSchema } from './openai-schemas.js';
import { toOpenAIUsage } from './openai-usage.js';
import { createOpenAIStreamReader } from './read-openai-stream.js';
import { toOpenAIRequest } from './to-openai-request.js';
import { createOpenAIBatch } from './openai-batch.js';
import { type ServiceTierMap, tieredTransport, wireServiceTier } from '../service-tiers.js';
import { OPENAI_SERVICE_TIERS } from './openai-service-tiers.js';

/** Everything `createOpenAIProvider` needs; `openai()` fills it from validated options. */
export interface OpenAIProviderSettings extends TransportSettings {
  /** Provider id (`openai`, `groq`, `ollama`, …), named in errors and model ids. */
  id: string;
  /** `OpenAI-Organization` header. */
  organization?: string;
  /** `OpenAI-Project` header. */
  project?: string;
  /** Wire name of `maxTokens`. @defaultValue `max_completion_tokens` for api.openai.com, else `max_tokens` */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** What `x-ratelimit-*-requests` count: `'day'` for Groq's per-day request figures. @defaultValue `'minute'` */
  requestLimitWindow?: 'minute' | 'day';
  /** The server continues a trailing assistant message. @defaultValue `false` */
  supportsPrefill?: boolean;
  /** Send `stream_options: { include_usage: true }` with streams. @defaultValue `true` */
  streamUsage?: boolean;
  /** Most `stop` strings a request may carry. @defaultValue no limit */
  maxStopSequences?: number;
  /** Header carrying the key: `authorization` (`Bearer …`) or `api-key` (Azure). @defaultValue `'authorization'` */
  apiKeyHeader?: 'authorization' | 'api-key';
  /** Wire fields this server refuses (see `toOpenAIRequest`). */
  omitFields?: readonly string[];
  /** Wire fields this server spells differently (see `toOpenAIRequest`). */
  renameFields?: Readonly<Record<string, string>>;
  /** The server has OpenAI's Batch API (`/files`, `/batches`). @defaultValue `false` */
  batchApi?: boolean;
  /** Model names are OpenAI's (`providerId: 'openai'`): no `temperature` / `top_p` for its reasoning models. @defaultValue `false` */
  openAIModels?: boolean;
  /** The server's service tiers (`params.serviceTier` → `service_tier`). @defaultValue OpenAI's (`OPENAI_SERVICE_TIERS`) */
  serviceTiers?: ServiceTierMap;
}

/**
 * Creates the adapter for OpenAI Chat Completions and every compatible server (vLLM, llama.cpp, Ollama, Groq,
 * OpenRouter, …). Each `chat` / `stream` call is one cold attempt, no retries (`customModel` adds them).
 *
 * `chat` POSTs `{baseURL}/chat/completions` and maps the first choice into a `ChatResponse` (`text` is the content
 * or `''`; a `message.refusal` gives `finishReason: 'refusal'` with the refusal as `text`; usage from `prompt_tokens` /
 * `completion_tokens` with the cached and reasoning details, `0` when the server omits it; `model` falls back to the
 * requested one when missing or empty; `requestId`, `rateLimit` and the raw body included). A body of the wrong shape is a
 * `ResponseValidationError` carrying the zod issues; a 2xx body that is an error envelope maps to its error class.
 * `stream` adds `stream: true` and `stream_options.include_usage` and reads the events as described at
 * `createOpenAIStreamReader`: text deltas, then one final chunk with `finishReason` and `usage`.
 *
 * @param settings - Endpoint, credentials, agent and limits.
 * @returns A `ChatProvider`.
 *
 * @example
 * ```ts
 * const provider = createOpenAIProvider({ id: 'local', baseURL: 'http://127.0.0.1:8080/v1', dispatcher: createAgent(),
 *   timeoutMs: 60_000, idleTimeoutMs: 60_000, maxResponseBytes: 32 << 20 });
 * provider.chat({ model: 'any', messages: [{ role: 'user', content: 'Hi' }], params: {} }).subscribe((r) => console.log(r.text));
 * ```
 */
export function createOpenAIProvider(settings: OpenAIProviderSettings): ChatProvider {
  const { id, dispatcher } = settings;
  const url = `${settings.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const maxTokensField = settings.maxTokensField ?? (isOpenAIHost(settings.baseURL) ? 'max_completion_tokens' : 'max_tokens');
  const requestOptions = {
    maxTokensField,
    ...(settings.streamUsage === undefined ? {} : { streamUsage: settings.streamUsage }),
    ...(settings.maxStopSequences === undefined ? {} : { maxStopSequences: settings.maxStopSequences }),
    ...(settings.openAIModels === true ? { openAIModels: true } : {}),
  };
  const headers: Record<string, string> = {
    'user-agent': 'rxllm',
    ...keyHeader(settings),
    ...(settings.organization === undefined ? {} : { 'openai-organization': settings.organization }),
    ...(settings.project === undefined ? {} : { 'openai-project': settings.project }),
    ...settings.headers,
  };
  const tiers = settings.serviceTiers ?? OPENAI_SERVICE_TIERS;
  const toBody = (request: ProviderRequest, stream: boolean, serviceTier = wireServiceTier(tiers, request.params.serviceTier, id)): unknown =>
    toOpenAIRequest(request, {
      stream,
      ...requestOptions,
      provider: id,
      ...(settings.omitFields === undefined ? {} : { omitFields: settings.omitFields }),
      ...(settings.renameFields === undefined ? {} : { renameFields: settings.renameFields }),
      ...(serviceTier === undefined ? {} : { serviceTier }),
    });
  const post = (request: ProviderRequest, stream: boolean): HttpPostOptions => {
    const serviceTier = wireServiceTier(tiers, request.params.serviceTier, id);
    return toHttpPost(tieredTransport(settings, serviceTier), {
      url,
      headers,
      provider: id,
      body: toBody(request, stream, serviceTier),
      readError: serviceTier === undefined ? readOpenAIError : (failure) => readOpenAIError(failure, serviceTier),
      readRateLimit: settings.requestLimitWindow === 'day' ? readPerDayRequests : readOpenAIRateLimit,
      ...(stream ? { isLastEvent: (event: { data: string }) => event.data.trim() === '[DONE]' } : {}),
    });
  };

  return {
    id,
    supportsPrefill: settings.supportsPrefill ?? false,
    chat: (request) => postJson(post(request, false), (response) => toChatResponse(response, request.model, id)),
    // The reader runs inside the transport's event callback: no Observable layer per stream or per event.
    stream: (request): Observable<ChatChunk> => postSse(post(request, true), () => createOpenAIStreamReader(id, request.model)),
    close: () => dispatcher.close(),
    ...(settings.batchApi === true
      ? {
          batch: createOpenAIBatch({
            ...settings,
            headers,
            endpoint: '/v1/chat/completions',
            toBody: (request) => toBody(request, false),
            toResponse: (response, model) => toChatResponse(response, model, id),
          }),
        }
      : {}),
  };
}

/**
 * True for OpenAI's own API host, which needs a key and takes `max_completion_tokens`.
 *
 * @example
 * ```ts
 * isOpenAIHost('https://api.openai.com/v1'); // true
 * ```
 */
export function isOpenAIHost(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname.toLowerCase() === 'api.openai.com';
  } catch {
    return false;
  }
}

function keyHeader({ apiKey, apiKeyHeader }: OpenAIProviderSettings): Record<string, string> {
  if (apiKey === undefined || apiKey === '') return {};
  return apiKeyHeader === 'api-key' ? { 'api-key': apiKey } : { authorization: `Bearer ${apiKey}` };
}

function toChatResponse(response: JsonResponse, requestModel: string, provider: string): ChatResponse {
  // The hand-written check is the fast path; zod runs only for a body it refuses (for the error message).
  const body = isOpenAIChatCompletion(response.body) ? response.body : parseOpenAIBody(openAIChatCompletionSchema, response, provider);
  const choice = body.choices[0]!;
  // A refusal comes in `message.refusal` with `content: null` and finish_reason "stop" (openai-node's recorded
  // refusal, spec/fixtures/content-fixtures.ts): it is its own outcome, with its text.
  const refusal = choice.message?.refusal;
  const refused = refusal != null && refusal !== '';
  const chatResponse: ChatResponse = {
    text: refused ? refusal : (choice.message?.content ?? ''),
    finishReason: refused ? 'refusal' : (choice.finish_reason ?? null),
    usage: toOpenAIUsage(body.usage),
    // Azure and some gateways send `model: ""`: the requested name is then the better one (it can be priced).
    model: body.model || requestModel,
    raw: response.body,
  };
  if (response.requestId !== undefined) chatResponse.requestId = response.requestId;
  if (response.rateLimit !== undefined) chatResponse.rateLimit = response.rateLimit;
  if (typeof body.service_tier === 'string' && body.service_tier !== '') chatResponse.serviceTier = body.service_tier;
  return chatResponse;
}

/** Groq's headers: per-day request figures, per-minute token figures. */
function readPerDayRequests(headers: Readonly<Record<string, string>>, nowMs: number): RateLimitInfo | undefined {
  return readOpenAIRateLimit(headers, nowMs, 'day');
}
