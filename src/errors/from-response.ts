import {
  APICallError,
  AuthenticationError,
  BadRequestError,
  EndpointNotReadyError,
  InsufficientCreditsError,
  type LlmErrorOptions,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
} from './llm-error.js';
import type { RateLimitInfo } from './rate-limit-info.js';
import { redactSecrets } from './redact-secrets.js';

/** What the transport knows about a failed HTTP response. */
export interface ErrorResponse {
  status: number;
  provider: string;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  requestId?: string;
  retryAfterMs?: number;
  /** The response's rate-limit headers. */
  rateLimit?: RateLimitInfo;
  /** The `x-should-retry` header: `true`/`false` overrides the status default. */
  shouldRetry?: boolean;
}

const QUOTA_PATTERN =
  /insufficient_quota|quota|credit balance|insufficient (credit|funds|balance)|billing|payment required|spend(ing)?[_ ]limit|specified API usage limits/i;

/**
 * Chooses the error class for an HTTP error status and body (OpenAI `{ error: { message, type, code } }`,
 * Anthropic `{ type: "error", error: { type, message } }`, or anything else).
 *
 * @example
 * ```ts
 * errorFromResponse({ status: 429, provider: 'openai', body: { error: { code: 'insufficient_quota' } } });
 * // InsufficientCreditsError, fatal
 * ```
 */
export function errorFromResponse(response: ErrorResponse): APICallError {
  const { status, provider } = response;
  const detail = readErrorDetail(response.body);
  const options: LlmErrorOptions & { status: number } = {
    status,
    provider,
    body: response.body,
    ...(detail.code === undefined ? {} : { code: detail.code }),
    ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
    ...(response.retryAfterMs === undefined ? {} : { retryAfterMs: response.retryAfterMs }),
    ...(response.rateLimit === undefined ? {} : { rateLimit: response.rateLimit }),
    ...(response.shouldRetry === undefined ? {} : { retryable: response.shouldRetry }),
  };
  // Redact before truncating: a cut through the middle of an echoed key would leave a piece no redaction recognises.
  const message = `${provider} answered ${status}${detail.message === undefined ? '' : `: ${truncate(redactSecrets(detail.message))}`}`;
  const quota = QUOTA_PATTERN.test(`${detail.code ?? ''} ${detail.type ?? ''} ${detail.message ?? ''} ${detail.detailCode ?? ''}`);

  if (status === 402 || ((status === 429 || status === 400) && quota)) return new InsufficientCreditsError(message, options);
  if (status === 401) return new AuthenticationError(message, options);
  if (status === 403) return new PermissionDeniedError(message, options);
  if (status === 400 || status === 422) return new BadRequestError(message, options);
  if (status === 404) return new NotFoundError(message, options);
  if (status === 429) return new RateLimitError(message, options);
  if (status === 503) return new EndpointNotReadyError(message, options);
  if (status >= 500) return new ServerError(message, options);
  return new APICallError(message, options);
}

interface ErrorDetail {
  message?: string;
  type?: string;
  code?: string;
  /** Anthropic's `error.details.error_code`, e.g. `enforced_spend_limit_reached`. */
  detailCode?: string;
}

function readErrorDetail(body: unknown): ErrorDetail {
  if (typeof body === 'string') return body.trim() === '' ? {} : { message: body.trim() };
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const inner = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : record;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const message = text(inner.message) ?? text(record.message) ?? text(record.error);
  const type = text(inner.type);
  const code = text(inner.code) ?? type;
  const details = typeof inner.details === 'object' && inner.details !== null ? (inner.details as Record<string, unknown>) : {};
  const detailCode = text(details.error_code);
  return {
    ...(message === undefined ? {} : { message }),
    ...(type === undefined ? {} : { type }),
    ...(code === undefined ? {} : { code }),
    ...(detailCode === undefined ? {} : { detailCode }),
  };
}

function truncate(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
