import type { z } from 'zod';
import { InvalidOptionsError, RefusalError, StructuredOutputError } from '../errors/llm-error.js';
import type { ChatMessage, ChatRequest, Prompt, ResponseFormat, Usage } from '../types.js';
import { untagged } from '../internal/item-tag.js';
import { decodeAnswer, jsonSchemaFromZod, WRAPPED_KEY } from './json-schema-from-zod.js';

/**
 * How a schema is presented to the model.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { openai, parallelChatStructured, type StructuredOutputOptions } from 'rxllm';
 * const format: StructuredOutputOptions = { name: 'sentiment', description: 'The sentiment of a product review' };
 * const Sentiment = z.object({ label: z.enum(['positive', 'negative']) });
 * console.log(await parallelChatStructured(openai({ model: 'gpt-4o-mini' }), ['Great product!', 'Broke in a day.'], Sentiment, format));
 * ```
 */
export interface StructuredOutputOptions {
  /** Schema name sent to the provider (OpenAI `json_schema.name`, Anthropic tool name), `[a-zA-Z0-9_-]{1,64}`. @defaultValue `'answer'` */
  name?: string;
  /** What the answer is, told to the model. */
  description?: string;
  /**
   * Ask for OpenAI strict mode. The schema is rewritten to fit it (optional fields become nullable, and such
   * `null`s are removed again before validation); a schema strict mode cannot express is sent non-strict.
   * Anthropic ignores it. @defaultValue `true`
   */
  strict?: boolean;
}

/**
 * One validated answer, or why it failed.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { structuredOutput, type StructuredParseResult } from 'rxllm';
 * const output = structuredOutput(z.object({ n: z.number() }));
 * const result: StructuredParseResult<{ n: number }> = output.parse('{"n": 3}');
 * console.log(result.ok ? result.value.n : result.error.issues); // 3
 * ```
 */
export type StructuredParseResult<T> = { ok: true; value: T } | { ok: false; error: StructuredOutputError };

/**
 * A zod schema made ready for requests: the `responseFormat` to send and the parser of answers.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { structuredOutput, type StructuredOutput } from 'rxllm';
 * const city: StructuredOutput<{ city: string }> = structuredOutput(z.object({ city: z.string() }));
 * console.log(city.responseFormat.type); // 'json_schema'
 * console.log(city.apply('Capital of Peru?').params?.responseFormat === city.responseFormat); // true
 * ```
 */
export interface StructuredOutput<T> {
  readonly responseFormat: ResponseFormat;
  /**
   * Parses and validates an answer's text (code fences around the JSON are tolerated). With
   * `finishReason: 'refusal'` the answer is a `RefusalError` holding the text, whatever it says. `meta` goes into
   * the error: the provider, the request id and the `usage` the answer cost.
   */
  parse(text: string, meta?: StructuredParseMeta): StructuredParseResult<T>;
  /**
   * Adds the `responseFormat` to a prompt (as its own request params, so it wins over other layers). A `PromptItem`
   * becomes its request: its `id` and `meta` are not kept.
   */
  apply(prompt: Prompt): ChatRequest;
  /** The follow-up conversation asking the model to fix a failed answer. */
  repairPrompt(prompt: Prompt, error: StructuredOutputError): ChatRequest;
}

/** What `StructuredOutput.parse` knows about the response besides its text (carried into a failure's error). */
export interface StructuredParseMeta {
  provider?: string;
  requestId?: string;
  /** The response's `finishReason`; `'refusal'` makes the answer a `RefusalError`. */
  finishReason?: string | null;
  /** The response's usage: tokens paid for even though the answer failed. */
  usage?: Usage;
}

const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Prepares a zod schema for structured output: its JSON Schema (zod 4 `z.toJSONSchema`) as a
 * `responseFormat: { type: 'json_schema' }` — OpenAI sends it as `response_format` (strict), Anthropic as a forced
 * tool whose input is the answer — and a parser that validates each answer with zod. A failed answer is a
 * `StructuredOutputError` holding the raw text and the issues; a refused one (`finishReason: 'refusal'`) a
 * `RefusalError`. Throws `InvalidOptionsError` for a schema with no
 * JSON Schema form or a bad name.
 *
 * @param schema - The zod schema answers must satisfy.
 * @param options - Name, description, strict mode.
 * @returns The `StructuredOutput` helper.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { openai, structuredOutput } from 'rxllm';
 * const city = structuredOutput(z.object({ city: z.string(), country: z.string() }), { name: 'city' });
 * openai({ model: 'gpt-4o-mini' }).chat(city.apply('Name the capital of Peru.'))
 *   .subscribe((response) => console.log(city.parse(response.text)));
 * ```
 */
export function structuredOutput<T>(schema: z.ZodType<T>, options: StructuredOutputOptions = {}): StructuredOutput<T> {
  const { name = 'answer', description, strict = true } = options;
  if (!NAME_PATTERN.test(name)) throw new InvalidOptionsError('structured output options.name: expected 1-64 letters, digits, _ or -');
  if (typeof (schema as { safeParse?: unknown })?.safeParse !== 'function') {
    throw new InvalidOptionsError('schema: expected a zod schema');
  }
  const schemas = jsonSchemaFromZod(schema);
  const useStrict = strict && schemas.strictSchema !== undefined;
  const responseFormat: ResponseFormat = {
    type: 'json_schema',
    name,
    schema: useStrict ? schemas.strictSchema! : schemas.schema,
    strict: useStrict,
    ...(description === undefined ? {} : { description }),
  };

  const parse = (text: string, meta: StructuredParseMeta = {}): StructuredParseResult<T> => {
    const errorOptions = {
      ...(meta.provider === undefined ? {} : { provider: meta.provider }),
      ...(meta.requestId === undefined ? {} : { requestId: meta.requestId }),
      ...(meta.usage === undefined ? {} : { usage: meta.usage }),
    };
    if (meta.finishReason === 'refusal') return { ok: false, error: new RefusalError(text, errorOptions) };
    let json: unknown;
    try {
      json = JSON.parse(stripFences(text));
    } catch (error) {
      const message = `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
      return { ok: false, error: new StructuredOutputError(text, [{ code: 'invalid_json', path: [], message }], errorOptions) };
    }
    const result = schema.safeParse(decodeAnswer(json, schemas, useStrict));
    if (result.success) return { ok: true, value: result.data };
    return { ok: false, error: new StructuredOutputError(text, result.error.issues, errorOptions) };
  };

  const apply = (prompt: Prompt): ChatRequest => {
    const request = toRequest(prompt);
    return { messages: request.messages, params: { ...request.params, responseFormat } };
  };

  const repairPrompt = (prompt: Prompt, error: StructuredOutputError): ChatRequest => {
    const request = apply(prompt);
    const messages: ChatMessage[] = [
      ...request.messages,
      { role: 'assistant', content: error.rawText.trim() === '' ? '(empty answer)' : error.rawText },
      { role: 'user', content: repairText(error, schemas.wrapped) },
    ];
    return { ...request, messages };
  };

  return { responseFormat, parse, apply, repairPrompt };
}

function toRequest(prompt: Prompt): ChatRequest {
  const plain = untagged(prompt);
  if (typeof plain === 'string') return { messages: [{ role: 'user', content: plain }] };
  if (Array.isArray(plain)) return { messages: plain };
  return plain;
}

function stripFences(text: string): string {
  const trimmed = text.trim();
  const fenced = /^```[a-zA-Z0-9_-]*\s*\n?([\s\S]*?)\n?```$/.exec(trimmed);
  return fenced === null ? trimmed : fenced[1]!.trim();
}

function repairText(error: StructuredOutputError, wrapped: boolean): string {
  const isJsonError = error.issues.some((issue) => (issue as { code?: string }).code === 'invalid_json');
  const issues = (error.issues as Array<{ path?: PropertyKey[]; message?: string }>).slice(0, 20).map((issue) => {
    const path = [...(wrapped && !isJsonError ? [WRAPPED_KEY] : []), ...(issue.path ?? [])].map(String).join('.') || '(root)';
    return `- ${path}: ${issue.message ?? 'invalid'}`;
  });
  return [
    'Your previous answer does not match the required JSON schema:',
    ...issues,
    'Reply again with only the corrected JSON, following the schema exactly.',
  ].join('\n');
}
