import type { APICallError } from '../../errors/api-call-error.js';
import type { HttpFailure } from '../../transport/http-types.js';
import { type ErrorDetail, type ErrorVocabulary, errorFromFailure } from '../error-body.js';

/**
 * The HTTP status of each Anthropic error type, from its API reference's errors page and the SDK's `ErrorType`
 * union (`@anthropic-ai/sdk` `resources/shared.ts`): used for errors that come without one (an `error` event
 * inside a 200 stream, an envelope on a 2xx).
 */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * The two documented sentences with which Anthropic refuses a 400 `invalid_request_error` for want of money, matched
 * whole from their start (never a word search): "Your credit balance is too low to access the Anthropic API…"
 * (Aider-AI/aider#804, portkey.ai error library "account billing error") and "You have reached your specified API
 * usage limits…" (BerriAI/litellm#37599).
 */
const OUT_OF_CREDIT_400 = ['Your credit balance is too low to access the Anthropic API', 'You have reached your specified API usage limits'];

/**
 * Anthropic's error types. `billing_error` is fatal whatever status carries it, as are the two 400s above;
 * `overloaded_error` is a retryable 529.
 */
export const anthropicErrors: ErrorVocabulary = {
  statusOf: (detail: ErrorDetail) =>
    detail.type === undefined || !Object.hasOwn(STATUS_BY_TYPE, detail.type) ? undefined : STATUS_BY_TYPE[detail.type],
  creditsExhausted: (detail: ErrorDetail, status: number) =>
    detail.type === 'billing_error' ||
    (status === 400 && detail.type === 'invalid_request_error' && OUT_OF_CREDIT_400.some((sentence) => detail.message?.startsWith(sentence) === true)),
};

/**
 * The `readError` of Anthropic requests: the error for a failed response, or `undefined` for a 2xx that holds no
 * error envelope.
 *
 * @param failure - The response, as the transport hands it over.
 * @returns The error, or `undefined`.
 *
 * @example
 * ```ts
 * const post = { ...options, readError: readAnthropicError };
 * ```
 */
export function readAnthropicError(failure: HttpFailure, tier?: string): APICallError | undefined {
  return errorFromFailure(failure, anthropicErrors, tier);
}
