import {
  APIConnectionError,
  APITimeoutError,
  isLlmError,
  LlmError,
  type LlmErrorOptions,
  ResponseValidationError,
} from '../errors/llm-error.js';
import { redactSecrets } from '../errors/redact-secrets.js';

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
  const options: LlmErrorOptions = { provider: context.provider, cause: withoutServerBytes(error), requestId: context.requestId };
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
  if (isParserError(error) || code?.startsWith('HPE_') === true || code === 'UND_ERR_HEADERS_OVERFLOW') {
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

/**
 * undici's `HTTPParserError` has no usable `code` (its table maps names to numbers, so it comes out `undefined`);
 * it is branded with this registered symbol instead, which also works across copies of undici.
 */
const PARSER_ERROR_BRAND = Symbol.for('undici.error.UND_ERR_HTTP_PARSER');

function isParserError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[PARSER_ERROR_BRAND] === true;
}

/**
 * The cause to keep. A parser error's `data` holds the server's raw bytes from the failure on, which may echo the
 * key: it is rebuilt from its name, message and stack (redacted) and code, without `data`. Other causes (socket,
 * DNS, timeout errors, built by Node or undici from no server bytes) are kept as they are, so `instanceof` works.
 */
function withoutServerBytes(error: unknown): unknown {
  if (!(error instanceof Error) || !isParserError(error)) return error;
  const copy = new Error(redactSecrets(error.message));
  copy.name = error.name;
  copy.stack = redactSecrets(error.stack ?? `${error.name}: ${error.message}`);
  const { code } = error as Error & { code?: unknown };
  if (typeof code === 'string') Object.assign(copy, { code: redactSecrets(code) });
  return copy;
}

function timeoutFromMessage(message: string): number {
  const match = /timeout:?\s*(\d+)\s*ms/i.exec(message);
  return match === null ? 0 : Number(match[1]);
}
