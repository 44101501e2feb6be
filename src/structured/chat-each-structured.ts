import { map, type OperatorFunction, pipe } from 'rxjs';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/llm-error.js';
import { costOf } from '../cost/cost-of.js';
import { type PriceTable, validatePrices } from '../cost/model-prices.js';
import { priceTierOf } from '../cost/price-tier-of.js';
import type { ChatModel } from '../model/chat-provider.js';
import { type ChatEachOptions, chatEachWith } from '../pipeline/chat-each.js';
import type { ChatResponse, ChatResult, Prompt, StructuredResult } from '../types.js';
import { applyTag } from '../internal/item-tag.js';
import type { JsonSchema } from './json-schema-from-zod.js';
import { type StructuredOutput, type StructuredOutputOptions, structuredOutput } from './structured-output.js';
import { withResponseFormat } from './with-response-format.js';

/**
 * Options of `chatEachStructured`: those of `chatEach`, how the schema is presented, and the prices of `cost`.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { z } from 'zod';
 * import { chatEachStructured, openai, type ChatEachStructuredOptions } from 'rxllm';
 * const options: ChatEachStructuredOptions = { maxActive: 8, name: 'city', prices: { 'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 } } };
 * from(['Capital of Peru?']).pipe(chatEachStructured(openai({ model: 'gpt-4o-mini' }), z.object({ city: z.string() }), options))
 *   .subscribe((result) => console.log(result.ok ? result.cost : result.error.message));
 * ```
 */
export interface ChatEachStructuredOptions extends ChatEachOptions, StructuredOutputOptions {
  /** Price overrides for each result's `cost`, consulted before `definePrices` and the built-in table. */
  prices?: PriceTable;
}

const LABEL = 'chatEachStructured()';

/**
 * Like `chatEach`, but asks each prompt for an answer shaped by a schema and emits typed, validated results in
 * completion order: `{ index, prompt, ok: true, value, response, usage, cost, attempts }` (with the item's `id` and
 * `meta`), so a collected run can be summed up with `summarizeUsage`. The schema is a zod schema, or a JSON Schema
 * object (turned into a validator with zod's `z.fromJSONSchema`, values typed `unknown`); answers are parsed exactly
 * as `parallelChatStructured` parses them (code fences tolerated, strict-mode `null`s removed).
 *
 * An answer that fails the schema is an `ok: false` result whose error is a `StructuredOutputError` (raw text, zod
 * issues) or a `RefusalError`, keeping the `response`, `usage` and `cost` that were paid; like an invalid answer in
 * `parallelChatStructured`, it is an item outcome and does not trigger `onError`. Other failures are those of
 * `chatEach` (`onError` default `'continue'`, fatal errors end the stream, unsubscribing aborts requests in flight).
 * `repair` is not offered here: use `parallelChatStructured` or `chatStructured` for a follow-up request. `cost` is
 * `undefined` for a model with no price. Throws `InvalidOptionsError` at once for invalid options or a schema with no
 * JSON Schema form.
 *
 * @param model - The model, e.g. from `openai()` or `anthropic()`.
 * @param schema - The zod schema (or JSON Schema object) every answer must satisfy.
 * @param options - `chatEach` options plus `name`, `description`, `strict` and `prices`.
 * @returns An operator from prompts to structured results.
 *
 * @example
 * ```ts
 * import { from, lastValueFrom, tap, toArray } from 'rxjs';
 * import { z } from 'zod';
 * import { chatEachStructured, openai, summarizeUsage } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * const City = z.object({ city: z.string() });
 * const results = await lastValueFrom(
 *   from([{ id: 'pe', prompt: 'Capital of Peru?' }, { id: 'cl', prompt: 'Capital of Chile?' }]).pipe(
 *     chatEachStructured(model, City, { maxActive: 4 }),
 *     tap((result) => console.log(result.id, result.ok ? result.value.city : result.error.message)),
 *     toArray(),
 *   ),
 * );
 * console.log(summarizeUsage(results).cost);
 * ```
 */
export function chatEachStructured<T>(model: ChatModel, schema: z.ZodType<T>, options?: ChatEachStructuredOptions): OperatorFunction<Prompt, StructuredResult<T>>;
export function chatEachStructured(model: ChatModel, schema: JsonSchema, options?: ChatEachStructuredOptions): OperatorFunction<Prompt, StructuredResult<unknown>>;
export function chatEachStructured<T>(
  model: ChatModel,
  schema: z.ZodType<T> | JsonSchema,
  options: ChatEachStructuredOptions = {},
): OperatorFunction<Prompt, StructuredResult<T>> {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError(`${LABEL} options: expected an object`);
  const { name, description, strict, prices: givenPrices, ...chatOptions } = options;
  const prices = givenPrices === undefined ? undefined : validatePrices(givenPrices, `${LABEL} options.prices`);
  const output = structuredOutput(validatorOf(schema) as z.ZodType<T>, {
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    ...(strict === undefined ? {} : { strict }),
  });
  return pipe(
    map((prompt: Prompt) => withResponseFormat(prompt, output as StructuredOutput<unknown>)),
    chatEachWith(model, chatOptions, 'continue', LABEL),
    map((result) => structuredResultOf(result, output, model, prices)),
  );
}

/** A zod schema as it is; a JSON Schema object through `z.fromJSONSchema`. */
function validatorOf(schema: unknown): z.ZodType {
  if (typeof (schema as { safeParse?: unknown } | null)?.safeParse === 'function') return schema as z.ZodType;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new InvalidOptionsError(`${LABEL} schema: expected a zod schema or a JSON Schema object`);
  }
  try {
    return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    throw new InvalidOptionsError(`${LABEL} schema: not a usable JSON Schema (${error instanceof Error ? error.message : String(error)})`);
  }
}

function structuredResultOf<T>(result: ChatResult, output: StructuredOutput<T>, model: ChatModel, prices: PriceTable | undefined): StructuredResult<T> {
  const { index, prompt, attempts } = result;
  const tag = 'id' in result || 'meta' in result ? { ...('id' in result ? { id: result.id } : {}), ...('meta' in result ? { meta: result.meta } : {}) } : undefined;
  if (!result.ok) return applyTag({ index, prompt, ok: false, error: result.error, attempts }, tag);
  const { response } = result;
  const paid = { response, usage: response.usage, cost: costOfResponse(response, prices) };
  const parsed = output.parse(response.text, {
    provider: model.provider.id,
    finishReason: response.finishReason,
    usage: response.usage,
    ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
  });
  if (parsed.ok) return applyTag({ index, prompt, ok: true, value: parsed.value, ...paid, attempts }, tag);
  return applyTag({ index, prompt, ok: false, error: applyTag(parsed.error, tag), ...paid, attempts }, tag);
}

/** Priced as `summarizeUsage` prices it: the model the server reported, at the tier that served it. */
function costOfResponse(response: ChatResponse, prices: PriceTable | undefined): number | undefined {
  return costOf(response.model, response.usage, prices, priceTierOf(response.serviceTier));
}
