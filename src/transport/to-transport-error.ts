import {
  APIConnectionError,
  APITimeoutError,
  isLlmError,
  LlmError,
  type LlmErrorOptions,
  ResponseValidationError,
} from '../errors/llm-error.js';

/** What the transport knows when something fails. */
export interface TransportErrorContext {
  provider: string;
  /** The dispatcher's connect timeout, for the message of a connect timeout. */
  connectTimeoutMs?: number;
  /** Known once the response head arrived. */
  requestId?: string;
}

/** Errors of the request's own making: retrying cannot help. */
const PROGRAMMING_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL', 'UND_ERR_INVALID_RETURN_VALUE']);

/**
 * Maps anything a request can fail with to an `LlmError`: rxllm errors pass unchanged; undici's connect timeout
 * becomes `APITimeoutError('connect')` (headers/body timeouts, should a foreign dispatcher raise them, become
 * `'request'` / `'idle'`); HTTP parser errors and oversized heads become `ResponseValidationError`; socket, DNS and body-ended-early
 * errors become `APIConnectionError`. The original error is kept as `cause`.
 *
 * @param error - What was thrown or emitted.
 * @param context - Provider id and what the transport knows so far.
 * @returns An `LlmError`.
 *
 * @example
 * ```ts
 * toTransportError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), { provider: 'openai' });
 * // APIConnectionError, retryable
 * ```
 */
export function toTransportError(error: unknown, context: TransportErrorContext): LlmError {
  if (isLlmError(error)) return error;
  const options: LlmErrorOptions = { provider: context.provider, cause: error, requestId: context.requestId };
  const code = typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);

  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new APITimeoutError('connect', context.connectTimeoutMs ?? timeoutFromMessage(message), options);
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new APITimeoutError('request', timeoutFromMessage(message), options);
  if (code === 'UND_ERR_BODY_TIMEOUT') return new APITimeoutError('idle', timeoutFromMessage(message), options);
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return new APIConnectionError(`${context.provider}: the response body ended early (${message}).`, options);
  }
  // A response head past undici's header size cap is as broken as an unparsable one: retrying will not help.
  if (code?.startsWith('HPE_') === true || code === 'UND_ERR_HEADERS_OVERFLOW') {
    return new ResponseValidationError(`${context.provider} sent a malformed HTTP response (${message}).`, options);
  }
  if (code !== undefined && PROGRAMMING_CODES.has(code)) {
    return new LlmError(`${context.provider}: invalid request (${message}).`, { ...options, code: 'invalid_request' });
  }
  if (error instanceof SyntaxError || error instanceof TypeError || error instanceof RangeError) {
    return new LlmError(`${context.provider}: ${message}`, { ...options, code: 'internal_error' });
  }
  return new APIConnectionError(`${context.provider}: connection error (${message}).`, options);
}

function timeoutFromMessage(message: string): number {
  const match = /timeout:?\s*(\d+)\s*ms/i.exec(message);
  return match === null ? 0 : Number(match[1]);
}
