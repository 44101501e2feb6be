import { InvalidOptionsError } from '../../errors/llm-error.js';
import type { ProviderRequest, ResponseFormat } from '../../types.js';
import { openAIStrictSchema } from './openai-strict-schema.js';
import { rejectsSamplingParams } from './rejects-sampling-params.js';
import { toOpenAIMessages } from './to-openai-messages.js';

/** Options of `toOpenAIRequest`. */
export interface ToOpenAIRequestOptions {
  /** Build a streaming body (`stream: true`, `stream_options.include_usage`). */
  stream: boolean;
  /** Wire name of `maxTokens`: OpenAI itself wants `max_completion_tokens`; compatible servers know `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Provider id, named in errors. @defaultValue `'openai-compatible'` */
  provider?: string;
  /** Ask for usage in streams (`stream_options: { include_usage: true }`); Mistral rejects the field. @defaultValue `true` */
  streamUsage?: boolean;
  /** Most `stop` strings the server takes (OpenAI: 4); more is an `InvalidOptionsError`. @defaultValue no limit */
  maxStopSequences?: number;
  /** Wire fields this server refuses, left out of the body we build (`params.extra` can still send them). */
  omitFields?: readonly string[];
  /** Wire fields this server spells differently, e.g. `{ seed: 'random_seed' }` (Mistral). */
  renameFields?: Readonly<Record<string, string>>;
  /** Model names are OpenAI's: leave `temperature` and `top_p` out for its reasoning models (`rejectsSamplingParams`). @defaultValue `false` */
  openAIModels?: boolean;
  /** The `service_tier` to send, already mapped to the server's word (`params.serviceTier` is not read here). */
  serviceTier?: string;
}

/**
 * Builds the Chat Completions wire body: `model`, `messages` (parts mapped by `toOpenAIMessages`, which refuses
 * document parts with `InvalidOptionsError`), the camelCase params in their snake_case form
 * (`maxTokens` → `max_tokens` or `max_completion_tokens`, `topP` → `top_p`; with `openAIModels`, no `temperature` or
 * `top_p` for OpenAI's reasoning models, `responseFormat` → `response_format`
 * with `json_schema: { name, schema, strict }`; the mapped `serviceTier` → `service_tier`; a strict schema keeps the constraints OpenAI enforces and describes
 * the others), `stream` + `stream_options: { include_usage: true }` for streams (unless `streamUsage: false`),
 * then the server's own spelling (`renameFields`) and refusals (`omitFields`) applied, and `params.extra` merged
 * last (an `undefined` value there removes a field, e.g. `stream_options`; a field there is sent even when omitted).
 * Throws `InvalidOptionsError` for more `stop` strings than `maxStopSequences`.
 *
 * @param request - The resolved request.
 * @param options - Streaming and the `maxTokens` wire name.
 * @returns The JSON body to POST to `/chat/completions`.
 *
 * @example
 * ```ts
 * toOpenAIRequest({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], params: { maxTokens: 5 } },
 *   { stream: false, maxTokensField: 'max_tokens' });
 * // { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 }
 * ```
 */
export function toOpenAIRequest(request: ProviderRequest, options: ToOpenAIRequestOptions): Record<string, unknown> {
  const { params } = request;
  const body: Record<string, unknown> = {
    model: request.model,
    messages: toOpenAIMessages(request.messages, options.provider ?? 'openai-compatible'),
  };
  if (params.maxTokens !== undefined) body[options.maxTokensField] = params.maxTokens;
  if ((params.temperature !== undefined || params.topP !== undefined) && !(options.openAIModels === true && rejectsSamplingParams(request.model))) {
    if (params.temperature !== undefined) body.temperature = params.temperature;
    if (params.topP !== undefined) body.top_p = params.topP;
  }
  if (params.stop !== undefined) body.stop = checkedStop(params.stop, options.maxStopSequences);
  if (params.seed !== undefined) body.seed = params.seed;
  if (params.responseFormat !== undefined) body.response_format = toWireResponseFormat(params.responseFormat);
  if (options.serviceTier !== undefined) body.service_tier = options.serviceTier;
  if (options.stream) {
    body.stream = true;
    if (options.streamUsage !== false) body.stream_options = { include_usage: true };
  }
  for (const [from, to] of Object.entries(options.renameFields ?? {})) {
    if (Object.hasOwn(body, from)) {
      body[to] = body[from];
      delete body[from];
    }
  }
  for (const field of options.omitFields ?? []) delete body[field];
  return { ...body, ...params.extra };
}

function toWireResponseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  const strict = format.strict ?? true;
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name,
      schema: strict ? openAIStrictSchema(format.schema) : format.schema,
      strict,
      ...(format.description === undefined ? {} : { description: format.description }),
    },
  };
}

function checkedStop(stop: string | string[], limit: number | undefined): string | string[] {
  const count = Array.isArray(stop) ? stop.length : 1;
  if (limit !== undefined && count > limit) {
    throw new InvalidOptionsError(`params.stop: this server accepts at most ${limit} stop sequences, got ${count}.`);
  }
  return stop;
}
