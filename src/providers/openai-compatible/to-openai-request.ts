import type { ProviderRequest } from '../../model/resolve-prompt.js';
import type { ResponseFormat } from '../../types.js';
import { toOpenAIMessages } from './to-openai-messages.js';

/** Options of `toOpenAIRequest`. */
export interface ToOpenAIRequestOptions {
  /** Build a streaming body (`stream: true`, `stream_options.include_usage`). */
  stream: boolean;
  /** Wire name of `maxTokens`: OpenAI itself wants `max_completion_tokens`; compatible servers know `max_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Provider id, named in errors. @defaultValue `'openai-compatible'` */
  provider?: string;
  /** Wire fields this server refuses, left out of the body we build (`params.extra` can still send them). */
  omitFields?: readonly string[];
  /** Wire fields this server spells differently, e.g. `{ seed: 'random_seed' }` (Mistral). */
  renameFields?: Readonly<Record<string, string>>;
}

/**
 * Builds the Chat Completions wire body: `model`, `messages` (parts mapped by `toOpenAIMessages`, which refuses
 * document parts with `InvalidOptionsError`), the camelCase params in their snake_case form
 * (`maxTokens` → `max_tokens` or `max_completion_tokens`, `topP` → `top_p`, `responseFormat` → `response_format`
 * with `json_schema: { name, schema, strict }`), `stream` + `stream_options: { include_usage: true }` for streams,
 * then the server's own spelling (`renameFields`) and refusals (`omitFields`) applied, and `params.extra` merged last
 * (an `undefined` value there removes a field, e.g. `stream_options`; a field there is sent even when omitted).
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
  if (params.temperature !== undefined) body.temperature = params.temperature;
  if (params.topP !== undefined) body.top_p = params.topP;
  if (params.stop !== undefined) body.stop = params.stop;
  if (params.seed !== undefined) body.seed = params.seed;
  if (params.responseFormat !== undefined) body.response_format = toWireResponseFormat(params.responseFormat);
  if (options.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
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
  return {
    type: 'json_schema',
    json_schema: {
      name: format.name,
      schema: format.schema,
      strict: format.strict ?? true,
      ...(format.description === undefined ? {} : { description: format.description }),
    },
  };
}
