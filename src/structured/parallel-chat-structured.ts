import { isObservable, map } from 'rxjs';
import type { z } from 'zod';
import { isLlmError, type LlmError, RefusalError, type StructuredOutputError } from '../errors/llm-error.js';
import { collectInOrder, type ParallelChatOptions, type PromptSource } from '../promise/parallel-chat.js';
import { attachPartialResults, partialResultsOf } from '../promise/partial-results.js';
import { copyStopReason } from '../promise/stop-reason.js';
import type { ChatModel } from '../model/chat-provider.js';
import type { Prompt } from '../types.js';
import { applyTag, itemTagOf, retag } from '../internal/item-tag.js';
import { withResponseFormat } from './with-response-format.js';
import { type StructuredOutput, type StructuredOutputOptions, type StructuredParseResult, structuredOutput } from './structured-output.js';

/**
 * Options of `parallelChatStructured`: those of `parallelChat`, how the schema is presented, and `repair`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { openai, parallelChatStructured, type ParallelChatStructuredOptions } from 'rxllm';
 * const options: ParallelChatStructuredOptions = { maxActive: 8, onError: 'continue', name: 'city', repair: true };
 * const City = z.object({ city: z.string() });
 * console.log(await parallelChatStructured(openai({ model: 'gpt-4o-mini' }), ['Capital of Peru?', 'Capital of Chad?'], City, options));
 * ```
 */
export interface ParallelChatStructuredOptions extends ParallelChatOptions, StructuredOutputOptions {
  /**
   * Give each answer that fails the schema one more try: the validation issues are sent back to the model as a
   * follow-up message (after all first answers are in). @defaultValue `false`
   */
  repair?: boolean;
}

/**
 * One entry of `parallelChatStructured`'s result: the validated value, the item's error, or `null` if never sent.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { openai, parallelChatStructured, type ParallelChatStructuredResult } from 'rxllm';
 * const City = z.object({ city: z.string() });
 * const model = openai({ model: 'gpt-4o-mini' });
 * const rows: ParallelChatStructuredResult<z.infer<typeof City>>[] = await parallelChatStructured(model, ['Capital of Peru?'], City);
 * for (const row of rows) console.log(row === null ? 'not sent' : row instanceof Error ? row.message : row.city);
 * ```
 */
export type ParallelChatStructuredResult<T> = T | LlmError | null;

type Parsed<T> = StructuredParseResult<T> | LlmError | null;

const LABEL = 'parallelChatStructured()';

/**
 * Answers many prompts in parallel with values shaped by a zod schema, resolving in input order: `results[i]` is the
 * validated, typed value for `prompts[i]`, its `LlmError` (a `StructuredOutputError` with the raw text and zod issues
 * when the answer does not fit the schema, a `RefusalError` when the model refused), or `null` when it was never
 * submitted. OpenAI-compatible providers get
 * `response_format: json_schema` (strict mode, the schema adapted to its rules), Anthropic a forced tool call.
 *
 * Concurrency, rate limits, retries, `onError` (default `'return'`), cancellation, budgets and rejections are those of
 * `parallelChat`; an answer that fails the schema is an item result, not a pipeline failure, so it does not trigger
 * `onError`. With `repair: true`, every failed answer gets one follow-up request carrying the validation issues
 * (a second, smaller run with the same options); its answer replaces the failure if it validates. On rejection,
 * `partialResultsOf(error)` gives the values gathered so far. Throws (rejects) `InvalidOptionsError` for a schema with
 * no JSON Schema form or invalid options.
 *
 * @param model - The model, e.g. from `openai()` or `anthropic()`.
 * @param prompts - An array, iterable, async iterable or Observable of prompts.
 * @param schema - The zod schema every answer must satisfy.
 * @param options - `parallelChat` options plus `name`, `description`, `strict` and `repair`.
 * @returns A Promise of one entry per prompt, in input order.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { interpolate, openai, parallelChatStructured } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * const prompts = interpolate('Capital of {{ country }}?', { country: ['Peru', 'Chile'] });
 * const answers = await parallelChatStructured(model, prompts, z.object({ city: z.string() }), { repair: true });
 * for (const answer of answers) console.log(answer instanceof Error ? answer.message : answer?.city);
 * ```
 */
export async function parallelChatStructured<T>(
  model: ChatModel,
  prompts: PromptSource,
  schema: z.ZodType<T>,
  options: ParallelChatStructuredOptions = {},
): Promise<ParallelChatStructuredResult<T>[]> {
  const { name, description, strict, repair = false, ...chatOptions } = options;
  const output = structuredOutput(schema, {
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    ...(strict === undefined ? {} : { strict }),
  });
  const sent: Prompt[] = [];
  const first = await run(model, applyAll(prompts, output, sent), output, chatOptions);
  const results = first.map(settled);
  copyStopReason(first, results);
  if (!repair) return results;

  // A refusal is an outcome, not a schema failure: it is not repaired.
  const failed = first.flatMap((entry, index) =>
    entry !== null && !isLlmError(entry) && !entry.ok && !(entry.error instanceof RefusalError) ? [{ index, error: entry.error }] : [],
  );
  if (failed.length === 0) return results;
  const repairs = failed.map(({ index, error }) => retag(output.repairPrompt(sent[index]!, error), itemTagOf(sent[index]!)));
  let second: Parsed<T>[];
  try {
    second = await run(model, repairs, output, chatOptions);
  } catch (error) {
    attachPartialResults(error, results);
    throw error;
  }
  failed.forEach(({ index }, position) => {
    const entry = second[position] ?? null;
    if (entry !== null) results[index] = settled(entry);
  });
  return results;
}

async function run<T>(model: ChatModel, prompts: PromptSource, output: StructuredOutput<T>, options: ParallelChatOptions): Promise<Parsed<T>[]> {
  try {
    return await collectInOrder(model, prompts, options, LABEL, (response, result) => {
      const parsed = output.parse(response.text, {
        provider: model.provider.id,
        finishReason: response.finishReason,
        usage: response.usage,
        ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
      });
      if (!parsed.ok) applyTag(parsed.error, result);
      return parsed;
    });
  } catch (error) {
    const partial = partialResultsOf<Parsed<T>>(error);
    if (partial !== undefined) {
      const settledPartial = partial.map(settled);
      copyStopReason(partial, settledPartial);
      attachPartialResults(error, settledPartial);
    }
    throw error;
  }
}

function settled<T>(entry: Parsed<T>): T | LlmError | null {
  if (entry === null || isLlmError(entry)) return entry;
  return entry.ok ? entry.value : (entry.error as StructuredOutputError);
}

/** Adds the schema's `responseFormat` to every prompt, lazily for streams and iterables, remembering what was sent. */
function applyAll<T>(prompts: PromptSource, output: StructuredOutput<T>, sent: Prompt[]): PromptSource {
  const apply = (prompt: Prompt): Prompt => {
    const request = withResponseFormat(prompt, output as StructuredOutput<unknown>);
    sent.push(request);
    return request;
  };
  if (typeof prompts === 'string' || prompts === null || typeof prompts !== 'object') return prompts; // rejected by the run
  if (Array.isArray(prompts)) return prompts.map(apply);
  if (isObservable(prompts)) return prompts.pipe(map(apply));
  if (Symbol.asyncIterator in prompts) {
    const source = prompts as AsyncIterable<Prompt>;
    return (async function* () {
      for await (const prompt of source) yield apply(prompt);
    })();
  }
  if (Symbol.iterator in prompts) {
    const source = prompts as Iterable<Prompt>;
    return (function* () {
      for (const prompt of source) yield apply(prompt);
    })();
  }
  return prompts;
}
