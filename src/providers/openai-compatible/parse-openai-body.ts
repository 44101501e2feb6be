import type { z } from 'zod';
import { ResponseValidationError } from '../../errors/llm-error.js';
import type { JsonResponse } from '../../transport/http-types.js';
import { failureOn } from '../error-body.js';
import { readOpenAIError } from './openai-errors.js';

/**
 * Parses a 2xx OpenAI body (Chat Completions or Responses) with `schema`. A body of another shape is the error it
 * carries when it is an error envelope (some gateways answer 200 with one), else a `ResponseValidationError` naming
 * each zod issue.
 *
 * @param schema - The zod schema of the body.
 * @param response - The parsed JSON response.
 * @param provider - The provider id, named in errors.
 * @returns The parsed body.
 */
export function parseOpenAIBody<S extends z.ZodType>(schema: S, response: JsonResponse, provider: string): z.output<S> {
  const parsed = schema.safeParse(response.body);
  if (parsed.success) return parsed.data;
  const error = readOpenAIError(failureOn(response, provider, response.body));
  if (error !== undefined) throw error;
  throw new ResponseValidationError(
    `${provider} answered with a body of the wrong shape: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    { provider, status: response.status, requestId: response.requestId, issues: parsed.error.issues },
  );
}
