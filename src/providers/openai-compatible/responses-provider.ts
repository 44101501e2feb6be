import { defer, type Observable } from 'rxjs';
import { ResponseValidationError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../types.js';
import type { ChatProvider } from '../../model/chat-provider.js';
import type { HttpPostOptions, JsonResponse } from '../../transport/http-types.js';
import { postJson } from '../../transport/post-json.js';
import { postSse } from '../../transport/post-sse.js';
import type { ChatChunk, ChatResponse } from '../../types.js';
import { failureOn } from '../error-body.js';
import { toHttpPost } from '../provider-options.js';
import { readOpenAIError } from './openai-errors.js';
import { OPENAI_SERVICE_TIERS } from './openai-service-tiers.js';
import { tieredTransport, wireServiceTier } from '../service-tiers.js';
import { parseOpenAIBody } from './parse-openai-body.js';
import type { OpenAIProviderSettings } from './openai-provider.js';
import { readOpenAIRateLimit } from './read-openai-rate-limit.js';
import { readResponsesOutput } from './read-responses-output.js';
import { createResponsesStreamReader, isResponsesLastEvent } from './read-responses-stream.js';
import { type ResponsesBody, responsesBodySchema } from './responses-schemas.js';
import { toResponsesUsage } from './responses-usage.js';
import { createOpenAIBatch } from './openai-batch.js';
import { type ResponsesReasoning, toResponsesRequest } from './to-responses-request.js';

/** Everything `createResponsesProvider` needs; `openai({ api: 'responses' })` fills it from validated options. */
export interface ResponsesProviderSettings extends Omit<OpenAIProviderSettings, 'maxTokensField' | 'supportsPrefill' | 'openAIModels'> {
  /** Sent as `reasoning` on every request. */
  reasoning?: ResponsesReasoning;
}

/**
 * Creates the adapter for OpenAI's Responses API (`POST {baseURL}/responses`). Each `chat` / `stream` call is one
 * cold attempt, no retries (`customModel` adds them).
 *
 * Requests are built by `toResponsesRequest` (`store: false` unless `extra.store` says otherwise). `chat` maps the
 * `response` object through `readResponsesOutput` (message text, refusals, finish reason from `status` /
 * `incomplete_details`), usage with its cached and reasoning parts, `requestId`, `rateLimit` and the raw body; a 2xx
 * `response` whose `status` is `failed` fails with the class its `error.code` maps to, a body of the wrong shape with
 * `ResponseValidationError`. `stream` reads the typed events as `createResponsesStreamReader` describes. Errors use
 * the OpenAI error reader and rate-limit headers the Chat Completions adapter uses. No prefill: `supportsPrefill` is false.
 *
 * @param settings - Endpoint, credentials, agent, limits and reasoning settings.
 * @returns A `ChatProvider`.
 *
 * @example
 * ```ts
 * const provider = createResponsesProvider({ id: 'openai', baseURL: 'http://127.0.0.1:8080/v1', dispatcher: createAgent(),
 *   timeoutMs: 60_000, idleTimeoutMs: 60_000, maxResponseBytes: 32 << 20 });
 * provider.chat({ model: 'gpt-5-pro', messages: [{ role: 'user', content: 'Hi' }], params: {} }).subscribe((r) => console.log(r.text));
 * ```
 */
export function createResponsesProvider(settings: ResponsesProviderSettings): ChatProvider {
  const { id, dispatcher } = settings;
  const url = `${settings.baseURL.replace(/\/+$/, '')}/responses`;
  const headers: Record<string, string> = {
    'user-agent': 'rxllm',
    ...(settings.apiKey === undefined || settings.apiKey === '' ? {} : { authorization: `Bearer ${settings.apiKey}` }),
    ...(settings.organization === undefined ? {} : { 'openai-organization': settings.organization }),
    ...(settings.project === undefined ? {} : { 'openai-project': settings.project }),
    ...settings.headers,
  };
  const tiers = settings.serviceTiers ?? OPENAI_SERVICE_TIERS;
  const toBody = (request: ProviderRequest, stream: boolean, serviceTier = wireServiceTier(tiers, request.params.serviceTier, id)): unknown =>
    toResponsesRequest(request, {
      stream,
      provider: id,
      ...(settings.reasoning === undefined ? {} : { reasoning: settings.reasoning }),
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
      readRateLimit: readOpenAIRateLimit,
      ...(stream ? { isLastEvent: isResponsesLastEvent } : {}),
    });
  };

  return {
    id,
    supportsPrefill: false,
    chat: (request) => defer(() => postJson(post(request, false), (response) => toChatResponse(response, request.model, id))),
    stream: (request): Observable<ChatChunk> =>
      defer(() => postSse(post(request, true), () => createResponsesStreamReader(id, request.model))),
    close: () => dispatcher.close(),
    ...(settings.batchApi === true
      ? {
          batch: createOpenAIBatch({
            ...settings,
            headers,
            endpoint: '/v1/responses',
            toBody: (request) => toBody(request, false),
            toResponse: (response, model) => toChatResponse(response, model, id),
          }),
        }
      : {}),
  };
}

function toChatResponse(response: JsonResponse, requestModel: string, provider: string): ChatResponse {
  const body = parseOpenAIBody(responsesBodySchema, response, provider);
  if (body.status === 'failed') throw readOpenAIError(failureOn(response, provider, { error: body.error ?? { message: 'response failed' } }))!;
  const { text, finishReason } = readResponsesOutput(body);
  const chatResponse: ChatResponse = { text, finishReason, usage: toResponsesUsage(body.usage), model: body.model || requestModel, raw: response.body };
  if (response.requestId !== undefined) chatResponse.requestId = response.requestId;
  if (response.rateLimit !== undefined) chatResponse.rateLimit = response.rateLimit;
  if (body.service_tier) chatResponse.serviceTier = body.service_tier;
  return chatResponse;
}
