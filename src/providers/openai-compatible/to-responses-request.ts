import { InvalidOptionsError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../types.js';
import type { ResponseFormat } from '../../types.js';
import { openAIStrictSchema } from './openai-strict-schema.js';
import { rejectsSamplingParams } from './rejects-sampling-params.js';
import { toResponsesInput } from './to-responses-input.js';

/** Reasoning settings of a Responses request (`reasoning` on the wire). */
export interface ResponsesReasoning {
  /** How hard a reasoning model thinks; gpt-5-pro accepts only `high`. */
  effort?: 'minimal' | 'low' | 'medium' | 'high';
  /** A summary of the reasoning in the output's `reasoning` item (never part of `text`). */
  summary?: 'auto' | 'concise' | 'detailed';
}

/** Options of `toResponsesRequest`. */
export interface ToResponsesRequestOptions {
  /** Build a streaming body (`stream: true`). */
  stream: boolean;
  /** Provider id, named in errors. */
  provider: string;
  /** Sent as `reasoning` when set. */
  reasoning?: ResponsesReasoning;
  /** The `service_tier` to send, already mapped to the server's word. */
  serviceTier?: string;
}

/** The smallest `max_output_tokens` OpenAI accepts (a smaller one is a 400 `integer_below_min_value`). */
export const MIN_OUTPUT_TOKENS = 16;

/**
 * Builds the Responses API wire body (`POST /v1/responses`): `model`, `instructions` and `input` from
 * `toResponsesInput`, `maxTokens` → `max_output_tokens`, `temperature`, `topP` → `top_p` (left out for reasoning models, which refuse them:
 * `rejectsSamplingParams`), `responseFormat` →
 * `text.format` (`json_schema` strict unless `strict: false`, a strict schema fitted by `openAIStrictSchema`), `reasoning`, the mapped `service_tier`, `store: false`, `stream: true` for streams,
 * then `params.extra` merged last (so `extra.store` decides storage, and an `undefined` value removes a field).
 *
 * Throws `InvalidOptionsError` before anything is sent for what the API refuses: `maxTokens` below 16, and `stop` or
 * `seed`, which the Responses API does not have.
 *
 * @param request - The resolved request.
 * @param options - Streaming, provider id and reasoning settings.
 * @returns The JSON body.
 *
 * @example
 * ```ts
 * toResponsesRequest({ model: 'gpt-5-pro', messages: [{ role: 'user', content: 'Hi' }], params: { maxTokens: 64 } },
 *   { stream: false, provider: 'openai' });
 * // { model: 'gpt-5-pro', input: [{ role: 'user', content: 'Hi' }], max_output_tokens: 64, store: false }
 * ```
 */
export function toResponsesRequest(request: ProviderRequest, options: ToResponsesRequestOptions): Record<string, unknown> {
  const { params } = request;
  const { provider } = options;
  if (params.maxTokens !== undefined && params.maxTokens < MIN_OUTPUT_TOKENS) {
    throw new InvalidOptionsError(
      `${provider}: params.maxTokens must be at least ${MIN_OUTPUT_TOKENS} for the Responses API (max_output_tokens), got ${params.maxTokens}.`,
      { provider },
    );
  }
  for (const field of ['stop', 'seed'] as const) {
    if (params[field] !== undefined) {
      throw new InvalidOptionsError(`${provider}: params.${field} is not supported by the Responses API; remove it for model ${request.model}.`, { provider });
    }
  }
  const { instructions, input } = toResponsesInput(request.messages);
  const body: Record<string, unknown> = { model: request.model };
  if (instructions !== undefined) body.instructions = instructions;
  body.input = input;
  if (params.maxTokens !== undefined) body.max_output_tokens = params.maxTokens;
  if ((params.temperature !== undefined || params.topP !== undefined) && !rejectsSamplingParams(request.model)) {
    if (params.temperature !== undefined) body.temperature = params.temperature;
    if (params.topP !== undefined) body.top_p = params.topP;
  }
  if (params.responseFormat !== undefined) body.text = { format: toWireFormat(params.responseFormat) };
  if (options.reasoning !== undefined) body.reasoning = { ...options.reasoning };
  if (options.serviceTier !== undefined) body.service_tier = options.serviceTier;
  body.store = false;
  if (options.stream) body.stream = true;
  return { ...body, ...params.extra };
}

/**
 * `text.format` of openai/openai-openapi's `TextResponseFormatConfiguration`: the schema's fields sit beside `type`.
 * A strict schema goes through the same constraint handling as Chat Completions (`openAIStrictSchema`).
 */
function toWireFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  const strict = format.strict ?? true;
  return {
    type: 'json_schema',
    name: format.name,
    schema: strict ? openAIStrictSchema(format.schema) : format.schema,
    strict,
    ...(format.description === undefined ? {} : { description: format.description }),
  };
}
