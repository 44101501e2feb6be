import type { APICallError } from '../../errors/api-call-error.js';
import type { HttpFailure } from '../../transport/http-types.js';
import { type ErrorDetail, type ErrorVocabulary, errorFromFailure } from '../error-body.js';

/**
 * The status each error word of OpenAI-compatible servers stands for, for errors that come without one (inside a
 * stream, on a 2xx). OpenAI's types and codes (its error-codes guide; openai-openapi's `Error` schema), Groq's
 * `tokens` / `requests` types beside `rate_limit_exceeded`, and the Google RPC statuses of Gemini's
 * OpenAI-compatible endpoint (`RESOURCE_EXHAUSTED` is its 429).
 */
const STATUS_BY_WORD: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  invalid_api_key: 401,
  insufficient_quota: 429,
  model_not_found: 404,
  rate_limit_exceeded: 429,
  tokens: 429,
  requests: 429,
  server_error: 500,
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/**
 * OpenAI's error words. Only `insufficient_quota` (OpenAI's code and type for an account without credit, sent
 * with 429) is fatal; `rate_limit_exceeded` and Gemini's `RESOURCE_EXHAUSTED` stay rate limits whatever their
 * message says (Groq's ends with a link to its billing page).
 */
export const openAIErrors: ErrorVocabulary = {
  statusOf: (detail: ErrorDetail) => wordStatus(detail.code) ?? wordStatus(detail.type),
  creditsExhausted: (detail: ErrorDetail) => detail.code === 'insufficient_quota' || detail.type === 'insufficient_quota',
};

/**
 * The `readError` of OpenAI-compatible requests: the error for a failed response, or `undefined` for a 2xx that
 * holds no error envelope.
 *
 * @param failure - The response, as the transport hands it over.
 * @param tier - The `service_tier` the request was sent with, if any (a 429 to flex is then a `CapacityError`).
 * @returns The error, or `undefined`.
 *
 * @example
 * ```ts
 * const post = { ...options, readError: readOpenAIError };
 * ```
 */
export function readOpenAIError(failure: HttpFailure, tier?: string): APICallError | undefined {
  return errorFromFailure(failure, openAIErrors, tier);
}

function wordStatus(word: string | undefined): number | undefined {
  return word === undefined || !Object.hasOwn(STATUS_BY_WORD, word) ? undefined : STATUS_BY_WORD[word];
}
