import { z } from 'zod';

/**
 * zod schemas of the Anthropic Messages API fields rxllm reads, and nothing more. Optional where an
 * Anthropic-compatible server may leave a field out.
 */

/** `usage` of a message (`message_start` carries the input side, `message_delta` the output side). */
export const anthropicUsageSchema = z.object({
  input_tokens: z.number().int().nonnegative().nullish(),
  output_tokens: z.number().int().nonnegative().nullish(),
  cache_creation_input_tokens: z.number().int().nonnegative().nullish(),
  cache_read_input_tokens: z.number().int().nonnegative().nullish(),
  /** `thinking_tokens`: the part of `output_tokens` spent thinking. */
  output_tokens_details: z.object({ thinking_tokens: z.number().int().nonnegative().nullish() }).nullish(),
  /** The tier that served the request: `standard`, `priority` or `batch`. */
  service_tier: z.string().nullish(),
});

/** One content block of a response. Only `text` and `tool_use` blocks are read. */
export const anthropicContentBlockSchema = z.object({
  type: z.string(),
  text: z.string().nullish(),
  name: z.string().nullish(),
  input: z.unknown().optional(),
});

/** A non-streamed `POST /v1/messages` response. */
/** `stop_details` of a refusal (`RefusalStopDetails` in anthropics/anthropic-sdk-typescript): its explanation. */
export const anthropicStopDetailsSchema = z.object({ explanation: z.string().nullish() });

export const anthropicMessageSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  content: z.array(anthropicContentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_details: anthropicStopDetailsSchema.nullish(),
  usage: anthropicUsageSchema,
});

/** The `error` object of an error body or a mid-stream `error` event. */
export const anthropicErrorSchema = z.object({
  type: z.literal('error'),
  error: z.object({ type: z.string(), message: z.string().nullish() }),
});

/** The streaming events rxllm acts on; other event types are ignored. */
export const anthropicStreamEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message_start'),
    message: z.object({ id: z.string().nullish(), model: z.string().nullish(), usage: anthropicUsageSchema.nullish() }),
  }),
  z.object({
    type: z.literal('content_block_start'),
    index: z.number().int().nonnegative(),
    content_block: anthropicContentBlockSchema,
  }),
  z.object({
    type: z.literal('content_block_delta'),
    index: z.number().int().nonnegative(),
    delta: z.object({ type: z.string(), text: z.string().nullish(), partial_json: z.string().nullish() }),
  }),
  z.object({ type: z.literal('content_block_stop'), index: z.number().int().nonnegative() }),
  z.object({
    type: z.literal('message_delta'),
    delta: z.object({ stop_reason: z.string().nullish(), stop_details: anthropicStopDetailsSchema.nullish() }),
    usage: anthropicUsageSchema.nullish(),
  }),
  z.object({ type: z.literal('message_stop') }),
  z.object({ type: z.literal('ping') }),
  anthropicErrorSchema,
]);

export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;
export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;
export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;
