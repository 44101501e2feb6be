import { z } from 'zod';

const responseFormatSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected 1-64 letters, digits, _ or -'),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().optional(),
    description: z.string().optional(),
  }),
]);

/**
 * The zod schema of `ChatParams`; unknown keys are errors so that typos are caught.
 *
 * @example
 * ```ts
 * import { chatParamsSchema } from 'rxllm';
 * const parsed = chatParamsSchema.safeParse({ temperature: 0.2, maxTokens: 200 });
 * console.log(parsed.success ? parsed.data : parsed.error.issues);
 * ```
 */
export const chatParamsSchema = z.strictObject({
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  stop: z.union([z.string(), z.array(z.string()).max(16)]).optional(),
  seed: z.number().int().optional(),
  responseFormat: responseFormatSchema.optional(),
  serviceTier: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected a service tier such as flex, priority, default or auto').optional(),
  model: z.string().min(1).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});
