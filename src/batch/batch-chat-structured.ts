import type { z } from 'zod';
import type { LlmError } from '../errors/llm-error.js';
import type { ChatModel } from '../model/chat-provider.js';
import { structuredOutput, type StructuredOutputOptions } from '../structured/structured-output.js';
import type { Prompt } from '../types.js';
import type { BatchChatOptions } from './batch-chat-options.js';
import { batchChat } from './batch-chat.js';

/** Options of `batchChatStructured`: those of `batchChat` and of `structuredOutput`. */
export interface BatchChatStructuredOptions extends BatchChatOptions, StructuredOutputOptions {}

/**
 * `batchChat` with structured output: each prompt is sent with the schema's `responseFormat` (as
 * `parallelChatStructured` sends it) and each answer validated, giving `T | LlmError | null` per prompt in input
 * order (an answer that fails the schema is a `StructuredOutputError`, a refusal a `RefusalError`).
 *
 * @param model - A model whose provider has a batch API.
 * @param prompts - The prompts.
 * @param schema - The zod schema of an answer.
 * @param options - As for `batchChat`, plus the schema's name and description.
 * @returns One value, error or `null` per prompt.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { batchChatStructured, openai } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini', baseURL: process.env.BASE_URL, batchApi: true });
 * const city = z.object({ name: z.string(), country: z.string() });
 * console.log(await batchChatStructured(model, ['A city in Peru.', 'A city in Chile.'], city, { pollInterval: 200 }));
 * ```
 */
export async function batchChatStructured<T>(
  model: ChatModel,
  prompts: Iterable<Prompt>,
  schema: z.ZodType<T>,
  options: BatchChatStructuredOptions = {},
): Promise<(T | LlmError | null)[]> {
  const { name, description, strict, ...batchOptions } = options;
  const output = structuredOutput(schema, {
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    ...(strict === undefined ? {} : { strict }),
  });
  const results = await batchChat(model, Array.from(prompts, (prompt) => output.apply(prompt)), batchOptions);
  return results.map((result) => {
    if (result === null || result instanceof Error) return result;
    const parsed = output.parse(result.text, {
      provider: model.provider.id,
      finishReason: result.finishReason,
      usage: result.usage,
      ...(result.requestId === undefined ? {} : { requestId: result.requestId }),
    });
    return parsed.ok ? parsed.value : parsed.error;
  });
}
