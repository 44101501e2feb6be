import { inspect } from 'node:util';
import type { RateLimitInfo } from './rate-limit-info.js';
import { redactSecrets } from './redact-secrets.js';

const BRAND = Symbol.for('rxllm.LlmError');

/**
 * Fields every rxllm error may carry.
 *
 * @example
 * ```ts
 * import { LlmError, type LlmErrorOptions } from 'rxllm';
 * const options: LlmErrorOptions = { status: 418, code: 'teapot', provider: 'my-proxy', retryable: false };
 * const error = new LlmError('The proxy refused the request.', options);
 * console.log(JSON.stringify(error)); // {"name":"LlmError","message":"The proxy refused the request.","status":418,…}
 * ```
 */
export interface LlmErrorOptions {
  /** HTTP status, when the server answered. */
  status?: number;
  /** Machine-readable code: the provider's error `code`/`type`, or one of ours (`timeout`, `body_too_large`, …). */
  code?: string;
  /** Provider id, e.g. `openai`, `anthropic`. */
  provider?: string;
  /** The server's request id (`x-request-id`, `request-id`). */
  requestId?: string;
  /** Milliseconds the server asked us to wait (`retry-after-ms` / `retry-after`). */
  retryAfterMs?: number;
  /** Overrides the class default (e.g. from `x-should-retry`). */
  retryable?: boolean;
  /** The rate-limit headers of the failed response (a 429's own budget), when it sent any. */
  rateLimit?: RateLimitInfo;
  /** The error body the server sent (parsed JSON or text), secrets redacted. */
  body?: unknown;
  cause?: unknown;
}

/**
 * Root of every error rxllm produces. `retryable` says whether another attempt may succeed; `fatal` says that
 * nothing else in the batch can succeed (bad key, no credit, no permission), so pipelines stop.
 * Messages and bodies never contain API keys.
 *
 * @example
 * ```ts
 * import { LlmError, openai, parallelChat } from 'rxllm';
 * const [result] = await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.']);
 * if (result instanceof LlmError) {
 *   console.log(result.name, result.status, result.code, result.provider, result.requestId, result.retryable, result.fatal);
 * }
 * ```
 */
export class LlmError extends Error {
  override name = 'LlmError';
  readonly status?: number;
  readonly code?: string;
  readonly provider?: string;
  readonly requestId?: string;
  readonly retryAfterMs?: number;
  /** The rate-limit headers of the failed response, when it sent any: what the pause rule reads. */
  readonly rateLimit?: RateLimitInfo;
  readonly retryable: boolean;
  readonly fatal: boolean;
  readonly body?: unknown;

  constructor(message: string, options: LlmErrorOptions = {}, defaults: { retryable?: boolean; fatal?: boolean } = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, BRAND, { value: true });
    if (options.status !== undefined) this.status = options.status;
    // code and requestId may come from a server's body or headers, which can echo the key back
    if (options.code !== undefined) this.code = redactSecrets(options.code);
    if (options.provider !== undefined) this.provider = options.provider;
    if (options.requestId !== undefined) this.requestId = redactSecrets(options.requestId);
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.rateLimit !== undefined) this.rateLimit = options.rateLimit;
    if (options.body !== undefined) this.body = redactBody(options.body);
    this.fatal = defaults.fatal ?? false;
    this.retryable = this.fatal ? false : (options.retryable ?? defaults.retryable ?? false);
  }

  /** A plain, key-free summary, used by `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      provider: this.provider,
      requestId: this.requestId,
      retryable: this.retryable,
      fatal: this.fatal,
      retryAfterMs: this.retryAfterMs,
    };
  }

  [inspect.custom](): string {
    return `${this.stack ?? `${this.name}: ${this.message}`} ${inspect(this.toJSON(), { breakLength: Infinity })}`;
  }
}

/**
 * True for any rxllm error, even from another copy of the library.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * import { isLlmError, openai } from 'rxllm';
 * try {
 *   console.log((await lastValueFrom(openai({ model: 'gpt-4o-mini' }).chat('Say hi.'))).text);
 * } catch (error) {
 *   if (!isLlmError(error)) throw error;
 *   console.log(`${error.name}, retryable: ${error.retryable}`); // works across copies of rxllm, unlike instanceof
 * }
 * ```
 */
export function isLlmError(value: unknown): value is LlmError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * The socket failed: DNS, refused, reset, or the body ended early. Retryable.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * import { APIConnectionError, openai } from 'rxllm';
 * const nobody = openai({ model: 'any', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 }); // nothing listens there
 * await lastValueFrom(nobody.chat('Hi')).catch((error: unknown) => {
 *   console.log(error instanceof APIConnectionError, error); // true APIConnectionError: … ECONNREFUSED …
 * });
 * ```
 */
export class APIConnectionError extends LlmError {
  override name = 'APIConnectionError';
  constructor(message = 'Connection error.', options: LlmErrorOptions = {}) {
    super(message, { code: 'connection_error', ...options }, { retryable: true });
  }
}

/**
 * Which clock ran out.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * import { APITimeoutError, openai, type TimeoutPhase } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini', timeout: 5_000, maxRetries: 0 });
 * await lastValueFrom(model.chat('Write a long essay.')).catch((error: unknown) => {
 *   const phase: TimeoutPhase | undefined = error instanceof APITimeoutError ? error.phase : undefined;
 *   console.log(phase ?? error); // 'request' when the 5 s ran out
 * });
 * ```
 */
export type TimeoutPhase = 'connect' | 'request' | 'idle';

/**
 * A timeout ran out: connecting, the whole request, or the idle time between stream chunks. Retryable.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, APITimeoutError } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini', timeout: 10_000, connectTimeout: 2_000 });
 * const results = await parallelChat(model, ['Write a long essay.'], { retry: { maxRetries: 1 } });
 * for (const result of results) if (result instanceof APITimeoutError) console.log(`${result.phase} timeout:`, result.message);
 * ```
 */
export class APITimeoutError extends APIConnectionError {
  override name = 'APITimeoutError';
  readonly phase: TimeoutPhase;
  constructor(phase: TimeoutPhase, timeoutMs: number, options: LlmErrorOptions = {}) {
    super(`${describePhase(phase)} timed out after ${timeoutMs} ms.`, { code: `${phase}_timeout`, ...options });
    this.phase = phase;
  }
}

/**
 * The server answered with an HTTP error status. Retryable for 408, 409, 429 and 5xx unless it says otherwise.
 *
 * @example
 * ```ts
 * import { APICallError, openai, parallelChat } from 'rxllm';
 * const results = await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.'], { onError: 'continue' });
 * for (const result of results) {
 *   if (result instanceof APICallError) console.log(`HTTP ${result.status}`, result.code, result.requestId, result.body);
 * }
 * ```
 */
export class APICallError extends LlmError {
  override name = 'APICallError';
  declare readonly status: number;
  constructor(message: string, options: LlmErrorOptions & { status: number }, fatal = false) {
    super(message, options, { retryable: isRetryableStatus(options.status), fatal });
  }
}

/** An HTTP error after which nothing else in the batch can succeed (401, 402 / exhausted quota, 403): `fatal`, never retried. */
abstract class FatalApiCallError extends APICallError {
  constructor(message: string, options: LlmErrorOptions & { status: number }) {
    super(message, options, true);
  }
}

/**
 * 400: the request is wrong; retrying will not help.
 *
 * @example
 * ```ts
 * import { BadRequestError, openai, parallelChat } from 'rxllm';
 * const request = { messages: [{ role: 'user' as const, content: 'Hi' }], params: { extra: { no_such_field: true } } };
 * const [result] = await parallelChat(openai({ model: 'gpt-4o-mini' }), [request]);
 * if (result instanceof BadRequestError) console.log('not retried; fix the request:', result.message);
 * ```
 */
export class BadRequestError extends APICallError {
  override name = 'BadRequestError';
}
/**
 * 401: the API key is missing or wrong. Fatal.
 *
 * @example
 * ```ts
 * import { AuthenticationError, openai, parallelChat } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini', apiKey: 'sk-not-a-real-key' });
 * try {
 *   await parallelChat(model, ['Say hi.', 'Say hello.'], { onError: 'continue' });
 * } catch (error) {
 *   if (error instanceof AuthenticationError) console.log('check OPENAI_API_KEY; fatal:', error.fatal); // true: the batch stopped
 * }
 * ```
 */
export class AuthenticationError extends FatalApiCallError {
  override name = 'AuthenticationError';
}
/**
 * 402, or a 429 whose body says the quota or credit is exhausted. Fatal.
 *
 * @example
 * ```ts
 * import { InsufficientCreditsError, openai, parallelChat } from 'rxllm';
 * try {
 *   await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.'], { onError: 'continue' });
 * } catch (error) {
 *   if (error instanceof InsufficientCreditsError) console.log('out of credit: the batch stopped.', error.message);
 * }
 * ```
 */
export class InsufficientCreditsError extends FatalApiCallError {
  override name = 'InsufficientCreditsError';
}
/**
 * 403: the key may not use this model or endpoint. Fatal.
 *
 * @example
 * ```ts
 * import { PermissionDeniedError, openai, parallelChat } from 'rxllm';
 * try {
 *   await parallelChat(openai({ model: 'gpt-4o' }), ['Say hi.']);
 * } catch (error) {
 *   if (error instanceof PermissionDeniedError) console.log('this key may not use gpt-4o:', error.message);
 * }
 * ```
 */
export class PermissionDeniedError extends FatalApiCallError {
  override name = 'PermissionDeniedError';
}
/**
 * 404: no such model or endpoint.
 *
 * @example
 * ```ts
 * import { NotFoundError, openai, parallelChat } from 'rxllm';
 * const [result] = await parallelChat(openai({ model: 'no-such-model' }), ['Say hi.']);
 * if (result instanceof NotFoundError) console.log('unknown model or endpoint:', result.message);
 * ```
 */
export class NotFoundError extends APICallError {
  override name = 'NotFoundError';
}
/**
 * 429: too many requests or tokens. Retryable; pipelines pause for `retryAfterMs`.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, openai, RateLimitError } from 'rxllm';
 * from(['Say hi.'])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' }), { rpm: 60 }))
 *   .subscribe((result) => {
 *     if (!result.ok && result.error instanceof RateLimitError) console.log(`still 429 after ${result.attempts} attempts`);
 *   });
 * ```
 */
export class RateLimitError extends APICallError {
  override name = 'RateLimitError';
}
/**
 * 5xx (and 529 overloaded). Retryable.
 *
 * @example
 * ```ts
 * import { ServerError, openai, parallelChat } from 'rxllm';
 * const results = await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.'], { retry: { maxRetries: 4 } });
 * for (const result of results) if (result instanceof ServerError) console.log(`${result.status} after 5 attempts`);
 * ```
 */
export class ServerError extends APICallError {
  override name = 'ServerError';
}
/**
 * 503: the endpoint is not ready yet (cold start, scaling). Retryable.
 *
 * @example
 * ```ts
 * import { EndpointNotReadyError, openai, parallelChat } from 'rxllm';
 * const endpoint = openai({ model: 'my-model', baseURL: 'http://127.0.0.1:8000/v1' }); // e.g. a vLLM server still loading
 * const [result] = await parallelChat(endpoint, ['Say hi.'], { retry: { maxRetries: 10, maxDelayMs: 30_000 } });
 * if (result instanceof EndpointNotReadyError) console.log('the endpoint never became ready');
 * ```
 */
export class EndpointNotReadyError extends ServerError {
  override name = 'EndpointNotReadyError';
}

/**
 * A stream broke after its first chunk. Keeps what arrived in `partialText`. Not retried (unless `resumeStreams`).
 *
 * @example
 * ```ts
 * import { lastValueFrom, reduce } from 'rxjs';
 * import { openai, StreamInterruptedError } from 'rxllm';
 * const story = openai({ model: 'gpt-4o-mini' }).stream('Tell a story.').pipe(reduce((text, chunk) => text + chunk.text, ''));
 * const text = await lastValueFrom(story).catch((error: unknown) => {
 *   if (error instanceof StreamInterruptedError) return `${error.partialText} [cut off]`;
 *   throw error;
 * });
 * console.log(text);
 * ```
 */
export class StreamInterruptedError extends LlmError {
  override name = 'StreamInterruptedError';
  readonly partialText: string;
  constructor(partialText: string, options: LlmErrorOptions = {}) {
    const reason = options.cause instanceof Error ? `: ${options.cause.message}` : '.';
    super(`Stream interrupted after ${partialText.length} characters${reason}`, { code: 'stream_interrupted', ...options });
    this.partialText = partialText;
  }
}

/**
 * The server sent something that is not the protocol: malformed JSON or SSE, wrong shapes, wrong content type.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, ResponseValidationError } from 'rxllm';
 * const local = openai({ model: 'any', baseURL: 'http://127.0.0.1:8080/v1' });
 * const [result] = await parallelChat(local, ['Say hi.']);
 * if (result instanceof ResponseValidationError) console.log('not an OpenAI-compatible answer:', result.message, result.issues);
 * ```
 */
export class ResponseValidationError extends LlmError {
  override name = 'ResponseValidationError';
  /** zod issues, when a schema rejected the body. */
  readonly issues?: unknown[];
  constructor(message: string, options: LlmErrorOptions & { issues?: unknown[] } = {}) {
    super(message, { code: 'invalid_response', ...options });
    if (options.issues !== undefined) this.issues = options.issues;
  }
}

/**
 * The response body grew past the size cap and was cut off.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, ResponseTooLargeError } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini', maxResponseBytes: 64 * 1024 });
 * const [result] = await parallelChat(model, ['Say hi.']);
 * if (result instanceof ResponseTooLargeError) console.log(result.message); // the body passed 64 KiB and was cut off
 * ```
 */
export class ResponseTooLargeError extends ResponseValidationError {
  override name = 'ResponseTooLargeError';
  constructor(limitBytes: number, options: LlmErrorOptions = {}) {
    super(`Response body exceeded the ${limitBytes}-byte cap and was cut off.`, { code: 'body_too_large', ...options });
  }
}

/**
 * The model's answer does not satisfy the user's schema. Keeps the raw text and the zod issues.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { openai, parallelChatStructured, StructuredOutputError } from 'rxllm';
 * const City = z.object({ city: z.string(), population: z.number() });
 * const rows = await parallelChatStructured(openai({ model: 'gpt-4o-mini' }), ['Largest city of Peru?'], City);
 * for (const row of rows) if (row instanceof StructuredOutputError) console.log(row.rawText, row.issues);
 * ```
 */
export class StructuredOutputError extends LlmError {
  override name = 'StructuredOutputError';
  readonly rawText: string;
  readonly issues: unknown[];
  constructor(rawText: string, issues: unknown[], options: LlmErrorOptions = {}) {
    super(`The answer does not match the schema (${issues.length} issue${issues.length === 1 ? '' : 's'}).`, {
      code: 'structured_output_invalid',
      ...options,
    });
    this.rawText = rawText;
    this.issues = issues;
  }
}

/**
 * A prompt was not sent because it could overrun the run's `maxCost` or `maxTotalTokens` budget.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { BudgetExceededError, chatEach, usageBudget, openai } from 'rxllm';
 * const budget = usageBudget({ maxTotalTokens: 2_000 });
 * from(['Say hi.', 'Say hello.', 'Say hey.'])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' }), { budget, params: { maxTokens: 900 } }))
 *   .subscribe((result) => {
 *     const refused = !result.ok && result.error instanceof BudgetExceededError;
 *     console.log(result.index, refused ? 'not sent: it could overrun the budget' : 'sent');
 *   });
 * ```
 */
export class BudgetExceededError extends LlmError {
  override name = 'BudgetExceededError';
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, { code: 'budget_exceeded', ...options });
  }
}

/**
 * An option, prompt or schema is invalid. Thrown at once, before anything is sent; the message names the field.
 *
 * @example
 * ```ts
 * import { InvalidOptionsError, openai } from 'rxllm';
 * try {
 *   openai({ model: 'gpt-4o-mini', timeout: -1 });
 * } catch (error) {
 *   if (error instanceof InvalidOptionsError) console.log(error.message); // names the field: openai() options.timeout: …
 * }
 * ```
 */
export class InvalidOptionsError extends LlmError {
  override name = 'InvalidOptionsError';
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, { code: 'invalid_options', ...options });
  }
}

/** 408, 409, 429 and every 5xx may succeed on another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Turns anything thrown into an `LlmError`, keeping rxllm errors as they are.
 *
 * @example
 * ```ts
 * import { toLlmError } from 'rxllm';
 * const error = toLlmError(new Error('socket hang up'), 'my-provider');
 * console.log(error.name, error.provider, error.retryable, error.cause); // LlmError my-provider false Error: socket hang up
 * ```
 */
export function toLlmError(error: unknown, provider?: string): LlmError {
  if (isLlmError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LlmError(message, { cause: error, ...(provider === undefined ? {} : { provider }) });
}

function describePhase(phase: TimeoutPhase): string {
  if (phase === 'connect') return 'Connecting';
  if (phase === 'idle') return 'Waiting for the next stream chunk';
  return 'The request';
}

function redactBody(body: unknown): unknown {
  if (typeof body === 'string') return redactSecrets(body);
  try {
    return JSON.parse(redactSecrets(JSON.stringify(body))) as unknown;
  } catch {
    return undefined;
  }
}
