import { z } from 'zod';

/**
 * Responses API usage. `cached_tokens` is part of `input_tokens` and `reasoning_tokens` part of `output_tokens`
 * (openai/openai-openapi `ResponseUsage`). Only the fields rxllm reads; others pass.
 *
 * @example
 * ```ts
 * responsesUsageSchema.parse({ input_tokens: 10, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 } });
 * ```
 */
export const responsesUsageSchema = z.object({
  input_tokens: z.number().nonnegative().nullish(),
  output_tokens: z.number().nonnegative().nullish(),
  input_tokens_details: z.object({ cached_tokens: z.number().nonnegative().nullish() }).nullish(),
  output_tokens_details: z.object({ reasoning_tokens: z.number().nonnegative().nullish() }).nullish(),
});

const contentPartSchema = z.object({ type: z.string(), text: z.string().nullish(), refusal: z.string().nullish() });

/**
 * A `response` object: its status, output items (messages with `output_text` / `refusal` parts; `reasoning` and
 * tool items are read only for their type), why it is incomplete, its error and usage.
 *
 * @example
 * ```ts
 * responsesBodySchema.parse({ status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hi' }] }] });
 * ```
 */
export const responsesBodySchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  status: z.string().nullish(),
  output: z.array(z.object({ type: z.string(), content: z.array(contentPartSchema).nullish() })),
  incomplete_details: z.object({ reason: z.string().nullish() }).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
  usage: responsesUsageSchema.nullish(),
  service_tier: z.string().nullish(),
});

/** A parsed `response` object. */
export type ResponsesBody = z.infer<typeof responsesBodySchema>;
/** Parsed Responses usage. */
export type ResponsesUsage = z.infer<typeof responsesUsageSchema>;
