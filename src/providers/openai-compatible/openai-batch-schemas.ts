import { z } from 'zod';

// The fields we read of OpenAI's Batch and File objects and of the lines of a batch's output and error files.
// Source: OpenAI API reference, "The batch object" and "The request output object" (openai-openapi's `Batch` and
// `BatchRequestOutput` schemas); openai-node src/resources/batches.ts.

/** A Batch object: `GET /v1/batches/{id}`, and the answer of create and cancel. */
export const openAIBatchSchema = z.object({
  id: z.string(),
  status: z.enum(['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled']),
  output_file_id: z.string().nullish(),
  error_file_id: z.string().nullish(),
  errors: z
    .object({
      data: z
        .array(z.object({ code: z.string().nullish(), message: z.string().nullish(), line: z.number().nullish() }))
        .nullish(),
    })
    .nullish(),
  request_counts: z.object({ total: z.number(), completed: z.number(), failed: z.number() }).nullish(),
});
export type OpenAIBatch = z.output<typeof openAIBatchSchema>;

/** A File object: the answer of `POST /v1/files`. */
export const openAIFileSchema = z.object({ id: z.string() });

/** One line of an output or error file. */
export const openAIBatchOutputLineSchema = z.object({
  custom_id: z.string(),
  response: z.object({ status_code: z.number(), request_id: z.string().nullish(), body: z.unknown() }).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});
