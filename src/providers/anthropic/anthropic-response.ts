import type { z } from 'zod';
import { ResponseValidationError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../model/resolve-prompt.js';
import { failureOn, isErrorBody } from '../error-body.js';
import { readAnthropicError } from './anthropic-errors.js';
import type { JsonResponse } from '../../transport/http-types.js';
import type { ChatResponse, Usage } from '../../types.js';
import { type AnthropicUsage, anthropicMessageSchema } from './anthropic-schemas.js';
import { structuredTool } from './anthropic-wire-request.js';

/**
 * Turns a Messages API response into a `ChatResponse`. `text` is the text blocks joined; when a structured request's
 * tool was called it is the tool's `input` as JSON text, so that `ChatResponse` stays the same for every provider.
 * Throws `ResponseValidationError` when the body is not a message, and the mapped error class when a 2xx body is an
 * error envelope (`{ type: 'error', error: { type, message } }`).
 */
export function toAnthropicChatResponse(response: JsonResponse, request: ProviderRequest, provider: string): ChatResponse {
  if (isErrorBody(response.body) && !anthropicMessageSchema.safeParse(response.body).success) {
    const error = readAnthropicError(failureOn(response, provider, response.body));
    if (error !== undefined) throw error;
  }
  const message = parseWith(anthropicMessageSchema, response.body, provider, response.requestId);
  const tool = structuredTool(request.params.responseFormat);
  const call = tool === undefined ? undefined : message.content.find((block) => block.type === 'tool_use' && block.name === tool.name);
  // Without the tool call (native output, tool_choice auto, or a model or gateway answering in text), the answer is
  // the text: the structured layer validates it like any other.
  const text = call === undefined ? message.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('') : JSON.stringify(call.input ?? {});
  return {
    text,
    finishReason: message.stop_reason ?? null,
    usage: toUsage(message.usage),
    model: message.model ?? request.model,
    ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
    ...(response.rateLimit === undefined ? {} : { rateLimit: response.rateLimit }),
    raw: response.body,
  };
}

/**
 * Anthropic usage as rxllm `Usage`. Input counts include prompt-cache writes and reads (Anthropic reports them
 * apart from `input_tokens`), so totals and budgets never under-count.
 */
export function toUsage(usage: AnthropicUsage | null | undefined): Usage {
  return {
    inputTokens: (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0),
    outputTokens: usage?.output_tokens ?? 0,
  };
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
