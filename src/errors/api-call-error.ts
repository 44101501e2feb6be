import { LlmError, type LlmErrorOptions } from './llm-error.js';

/** The server answered with an HTTP error status. Retryable for 408, 409, 429, 498 and 5xx unless it says otherwise. */
export class APICallError extends LlmError {
  override name = 'APICallError';
  declare readonly status: number;
  constructor(message: string, options: LlmErrorOptions & { status: number }, fatal = false) {
    super(message, options, { retryable: isRetryableStatus(options.status), fatal });
  }
}

/** An HTTP error after which nothing else in the batch can succeed (401, 402 / exhausted quota, 403): `fatal`, never retried. */
abstract class FatalAPICallError extends APICallError {
  constructor(message: string, options: LlmErrorOptions & { status: number }) {
    super(message, options, true);
  }
}

/** 400: the request is wrong; retrying will not help. */
export class BadRequestError extends APICallError {
  override name = 'BadRequestError';
}
/** 401: the API key is missing or wrong. Fatal. */
export class AuthenticationError extends FatalAPICallError {
  override name = 'AuthenticationError';
}
/** 402, or a 429 / 400 that its provider marks as out of credit or quota. Fatal. */
export class InsufficientCreditsError extends FatalAPICallError {
  override name = 'InsufficientCreditsError';
}
/** 403: the key may not use this model or endpoint. Fatal. */
export class PermissionDeniedError extends FatalAPICallError {
  override name = 'PermissionDeniedError';
}
/** 404: no such model or endpoint. */
export class NotFoundError extends APICallError {
  override name = 'NotFoundError';
}
/** 429: too many requests or tokens. Retryable; pipelines pause for `retryAfterMs`. */
export class RateLimitError extends APICallError {
  override name = 'RateLimitError';
}
/** 5xx (and 529 overloaded). Retryable. */
export class ServerError extends APICallError {
  override name = 'ServerError';
}
/** 503: the endpoint is not ready yet (cold start, scaling). Retryable. */
export class EndpointNotReadyError extends ServerError {
  override name = 'EndpointNotReadyError';
}

/** 408, 409, 429, 498 (a capacity tier's refusal, Groq) and every 5xx may succeed on another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status === 498 || status >= 500;
}

