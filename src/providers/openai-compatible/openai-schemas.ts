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
  /** `cached_tokens` is the part of `prompt_tokens` served from the prompt cache. */
  prompt_tokens_details: z.object({ cached_tokens: z.number().nonnegative().nullish() }).nullish(),
  /** `reasoning_tokens` is the part of `completion_tokens` spent reasoning. */
  completion_tokens_details: z.object({ reasoning_tokens: z.number().nonnegative().nullish() }).nullish(),
});

/**
 * A `chat.completion` body: the first choice's message content (or `refusal`) and finish reason, the model and usage.
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
        message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1, 'expected at least one choice'),
  usage: openAIUsageSchema.nullish(),
  service_tier: z.string().nullish(),
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
        delta: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: openAIUsageSchema.nullish(),
  service_tier: z.string().nullish(),
});

/** A parsed `chat.completion` body. */
export type OpenAIChatCompletion = z.infer<typeof openAIChatCompletionSchema>;
/** A parsed `chat.completion.chunk`. */
export type OpenAIChatChunk = z.infer<typeof openAIChatChunkSchema>;
/** Parsed usage. */
export type OpenAIUsage = z.infer<typeof openAIUsageSchema>;

/**
 * A quick check that `body` has the shape `openAIChatCompletionSchema` accepts, without zod's per-parse cost.
 * Never more lenient than the schema: callers run the schema when this says no (for its error message).
 *
 * @example
 * ```ts
 * isOpenAIChatCompletion({ choices: [{ message: { content: 'Hi' }, finish_reason: 'stop' }] }); // true
 * ```
 */
export function isOpenAIChatCompletion(body: unknown): body is OpenAIChatCompletion {
  if (!isRecord(body) || !isNullishString(body.id) || !isNullishString(body.model) || !isNullishUsage(body.usage) || !isNullishString(body.service_tier)) return false;
  const { choices } = body;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  for (const choice of choices as unknown[]) {
    if (!isRecord(choice) || !isNullishString(choice.finish_reason) || !isNullishContentHolder(choice.message)) return false;
  }
  return true;
}

/**
 * A quick check that `chunk` has the shape `openAIChatChunkSchema` accepts; as strict as the schema, never more lenient.
 *
 * @example
 * ```ts
 * isOpenAIChatChunk({ choices: [{ delta: { content: 'Hel' }, finish_reason: null }] }); // true
 * ```
 */
export function isOpenAIChatChunk(chunk: unknown): chunk is OpenAIChatChunk {
  if (!isRecord(chunk) || !isNullishString(chunk.id) || !isNullishString(chunk.model) || !isNullishUsage(chunk.usage) || !isNullishString(chunk.service_tier)) return false;
  const { choices } = chunk;
  if (choices === undefined || choices === null) return true;
  if (!Array.isArray(choices)) return false;
  for (const choice of choices as unknown[]) {
    if (!isRecord(choice) || !isNullishString(choice.finish_reason) || !isNullishContentHolder(choice.delta)) return false;
  }
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNullishString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

function isNullishCount(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
}

function isNullishUsage(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (isRecord(value) &&
      isNullishCount(value.prompt_tokens) &&
      isNullishCount(value.completion_tokens) &&
      isNullishDetail(value.prompt_tokens_details, 'cached_tokens') &&
      isNullishDetail(value.completion_tokens_details, 'reasoning_tokens'))
  );
}

/** A nullish details object whose `key` is a nullish count. */
function isNullishDetail(value: unknown, key: string): boolean {
  return value === undefined || value === null || (isRecord(value) && isNullishCount(value[key]));
}

/** `{ content?: string | null, refusal?: string | null }`, nullish, as a choice's `message` or `delta`. */
function isNullishContentHolder(value: unknown): boolean {
  return value === undefined || value === null || (isRecord(value) && isNullishString(value.content) && isNullishString(value.refusal));
}
