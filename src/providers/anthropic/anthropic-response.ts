import type { z } from 'zod';
import { ResponseValidationError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../types.js';
import { failureOn, isErrorBody } from '../error-body.js';
import { readAnthropicError } from './anthropic-errors.js';
import type { JsonResponse } from '../../transport/http-types.js';
import type { ChatResponse, Usage } from '../../types.js';
import { type AnthropicUsage, anthropicMessageSchema } from './anthropic-schemas.js';
import { structuredTool } from './anthropic-wire-request.js';

/** Anthropic's `stop_reason` for a refusal, which is also rxllm's `finishReason` for one. */
export const REFUSAL = 'refusal';

/**
 * Turns a Messages API response into a `ChatResponse`. `text` is the text blocks joined; when a structured request's
 * tool was called it is the tool's `input` as JSON text, so that `ChatResponse` stays the same for every provider.
 * A refusal (`stop_reason: "refusal"`) has `finishReason: 'refusal'` and the text written before it (else
 * `stop_details.explanation`). Throws `ResponseValidationError` when the body is not a message, and the mapped
 * error class when a 2xx body is an error envelope (`{ type: 'error', error: { type, message } }`).
 */
export function toAnthropicChatResponse(response: JsonResponse, request: ProviderRequest, provider: string): ChatResponse {
  if (isErrorBody(response.body) && !anthropicMessageSchema.safeParse(response.body).success) {
    const error = readAnthropicError(failureOn(response, provider, response.body));
    if (error !== undefined) throw error;
  }
  const message = parseWith(anthropicMessageSchema, response.body, provider, response.requestId);
  const tool = structuredTool(request.params.responseFormat);
  const plainText = () => message.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  const call = tool === undefined ? undefined : message.content.find((block) => block.type === 'tool_use' && block.name === tool.name);
  // A refusal's text is what the model wrote before the classifier stopped it, else the explanation in `stop_details`.
  // Without the tool call (native output, tool_choice auto, or a model or gateway answering in text), the answer is
  // the text: the structured layer validates it like any other.
  const text =
    message.stop_reason === REFUSAL
      ? plainText() || (message.stop_details?.explanation ?? '')
      : call === undefined
        ? plainText()
        : JSON.stringify(call.input ?? {});
  return {
    text,
    finishReason: message.stop_reason ?? null,
    usage: toUsage(message.usage),
    model: message.model ?? request.model,
    ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
    ...(response.rateLimit === undefined ? {} : { rateLimit: response.rateLimit }),
    ...(message.usage.service_tier ? { serviceTier: message.usage.service_tier } : {}),
    raw: response.body,
  };
}

/**
 * Anthropic usage as rxllm `Usage`. Anthropic's `input_tokens` counts only the tokens after the last cache
 * breakpoint and reports cache reads and writes beside it, so `inputTokens` is their sum, with the reads as
 * `cachedInputTokens` and the writes as `cacheWriteInputTokens`; `output_tokens_details.thinking_tokens` (part of
 * `output_tokens`) is `reasoningTokens`. A detail the server leaves out stays out.
 */
export function toUsage(usage: AnthropicUsage | null | undefined): Usage {
  const read = usage?.cache_read_input_tokens;
  const written = usage?.cache_creation_input_tokens;
  const thinking = usage?.output_tokens_details?.thinking_tokens;
  const result: Usage = {
    inputTokens: (usage?.input_tokens ?? 0) + (written ?? 0) + (read ?? 0),
    outputTokens: usage?.output_tokens ?? 0,
  };
  if (read != null) result.cachedInputTokens = read;
  if (written != null) result.cacheWriteInputTokens = written;
  if (thinking != null) result.reasoningTokens = thinking;
  return result;
}

/**
 * Lays the fields `update` carries over `base`, field by field, as the SDK accumulates a stream's usage: a
 * `message_delta` may repeat the input counts (then they win) or send only `output_tokens`.
 */
export function mergeUsage(base: AnthropicUsage | null | undefined, update: AnthropicUsage | null | undefined): AnthropicUsage {
  const merged: AnthropicUsage = { ...base };
  for (const [key, value] of Object.entries(update ?? {})) {
    if (value != null) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/** Parses `value` with `schema` or throws a `ResponseValidationError` holding the zod issues. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, provider: string, requestId?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const where = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new ResponseValidationError(`${provider} sent a response that does not follow its protocol (${where}).`, {
    provider,
    issues: result.error.issues,
    ...(requestId === undefined ? {} : { requestId }),
  });
}
