import {
  APICallError,
  AuthenticationError,
  BadRequestError,
  EndpointNotReadyError,
  InsufficientCreditsError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
} from './api-call-error.js';
import type { LlmErrorOptions } from './llm-error.js';
import { CapacityError, UnsupportedTierError } from './tier-errors.js';
import type { RateLimitInfo } from './rate-limit-info.js';
import { redactSecrets } from './redact-secrets.js';

/** A failed response as the provider's adapter read it; `errors/` itself reads no provider's body. */
export interface ErrorResponse {
  /** The HTTP status, or the status the adapter gave an error that came without one (inside a stream, on a 2xx). */
  status: number;
  provider: string;
  /** The body as received: parsed JSON, or the text when it was not JSON. Kept, secrets redacted, on the error. */
  body: unknown;
  /** The server's own words, when the adapter found them; else a plain-text body is the message. */
  message?: string;
  /** The provider's machine-readable error code. */
  code?: string;
  /** The provider's error type; the error's `code` when there is no `code`. */
  type?: string;
  /** The adapter knows this failure means no credit or quota is left: a fatal `InsufficientCreditsError`. */
  creditsExhausted?: boolean;
  requestId?: string;
  retryAfterMs?: number;
  /** The response's rate-limit headers. */
  rateLimit?: RateLimitInfo;
  /** The `x-should-retry` header: `true`/`false` overrides the status default. */
  shouldRetry?: boolean;
  /** The service tier the request asked for, as sent, when it asked for one. */
  tier?: string;
  /**
   * The adapter knows this failure refuses the tier: `'capacity'` (no capacity at the tier now: a `CapacityError`),
   * `'unsupported'` (the model lacks the tier: an `UnsupportedTierError`, with `tier`).
   */
  tierRefusal?: 'capacity' | 'unsupported';
}

/**
 * Chooses the error class for a failed response from its status and what the adapter read: 402, or any status the
 * adapter marks `creditsExhausted`, is a fatal `InsufficientCreditsError`; what the adapter marks a `tierRefusal` is a
 * `CapacityError` or an `UnsupportedTierError`; 401 `AuthenticationError`, 403
 * `PermissionDeniedError` (both fatal); 400 and 422 `BadRequestError`; 404 `NotFoundError`; 429 `RateLimitError`;
 * 503 `EndpointNotReadyError`; other 5xx `ServerError`; anything else `APICallError`. The message names the provider
 * and the status, then the server's words (secrets redacted, cut at 300 characters).
 *
 * @param response - The status, the body and what the adapter read from it.
 * @returns The matching `APICallError` subclass.
 *
 * @example
 * ```ts
 * errorFromResponse({ status: 429, provider: 'p', body: 'slow down' }); // RateLimitError 'p answered 429: slow down', retryable
 * errorFromResponse({ status: 429, provider: 'p', body: {}, code: 'no_money', creditsExhausted: true }); // fatal
 * ```
 */
export function errorFromResponse(response: ErrorResponse): APICallError {
  const { status, provider } = response;
  const code = response.code ?? response.type;
  const options: LlmErrorOptions & { status: number } = { status, provider, body: response.body };
  if (code !== undefined) options.code = code;
  if (response.requestId !== undefined) options.requestId = response.requestId;
  if (response.retryAfterMs !== undefined) options.retryAfterMs = response.retryAfterMs;
  if (response.rateLimit !== undefined) options.rateLimit = response.rateLimit;
  if (response.shouldRetry !== undefined) options.retryable = response.shouldRetry;
  const said = response.message ?? plainText(response.body);
  // Redact before truncating: a cut through the middle of an echoed key would leave a piece no redaction recognises.
  const message = `${provider} answered ${status}${said === undefined ? '' : `: ${truncate(redactSecrets(said))}`}`;

  if (status === 402 || response.creditsExhausted === true) return new InsufficientCreditsError(message, options);
  if (response.tierRefusal === 'capacity') return new CapacityError(message, { ...options, ...(response.tier === undefined ? {} : { tier: response.tier }) });
  if (response.tierRefusal === 'unsupported' && response.tier !== undefined) return new UnsupportedTierError(message, { ...options, tier: response.tier });
  if (status === 401) return new AuthenticationError(message, options);
  if (status === 403) return new PermissionDeniedError(message, options);
  if (status === 400 || status === 422) return new BadRequestError(message, options);
  if (status === 404) return new NotFoundError(message, options);
  if (status === 429) return new RateLimitError(message, options);
  if (status === 503) return new EndpointNotReadyError(message, options);
  if (status >= 500) return new ServerError(message, options);
  return new APICallError(message, options);
}

function plainText(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  const text = body.trim();
  return text === '' ? undefined : text;
}

function truncate(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
