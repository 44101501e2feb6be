import { z } from 'zod';

/**
 * Token usage as OpenAI-compatible servers report it. Only the fields rxllm reads; others pass.
 *
 * @example
 * ```ts
 * openAIUsageSchema.parse({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 });
 * ```
 */
export const openAIUsageSchema = z.object({
  prompt_tokens: z.number().nonnegative().nullish(),
  completion_tokens: z.number().nonnegative().nullish(),
});

/**
 * A `chat.completion` body: the first choice's message content and finish reason, the model and usage.
 * Compatible servers often omit `id`, `model` or `usage`, so those are `nullish`; at least one choice is required.
 *
 * @example
 * ```ts
 * openAIChatCompletionSchema.parse({ choices: [{ message: { content: 'Hi' }, finish_reason: 'stop' }] });
 * ```
 */
export const openAIChatCompletionSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1, 'expected at least one choice'),
  usage: openAIUsageSchema.nullish(),
});

/**
 * One `chat.completion.chunk` of a stream: the first choice's delta and finish reason, and usage (sent in a last
 * chunk with empty `choices` when `stream_options.include_usage` is on).
 *
 * @example
 * ```ts
 * openAIChatChunkSchema.parse({ choices: [{ delta: { content: 'Hel' }, finish_reason: null }] });
 * ```
 */
export const openAIChatChunkSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: openAIUsageSchema.nullish(),
});

/** A parsed `chat.completion` body. */
export type OpenAIChatCompletion = z.infer<typeof openAIChatCompletionSchema>;
/** A parsed `chat.completion.chunk`. */
export type OpenAIChatChunk = z.infer<typeof openAIChatChunkSchema>;
/** Parsed usage. */
export type OpenAIUsage = z.infer<typeof openAIUsageSchema>;
