import { inspect } from 'node:util';
import type { RateLimitInfo } from './rate-limit-info.js';
import { redactSecrets } from './redact-secrets.js';

const BRAND = Symbol.for('rxllm.LlmError');

/** Fields every rxllm error may carry. */
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

/** Root of every rxllm error: `retryable` (another attempt may succeed), `fatal` (nothing else in the batch can); never holds an API key. */
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
  /** In the Promise wrappers: the `id` of the prompt item that failed (its `PromptItem.id`). */
  id?: string | number;
  /** In the Promise wrappers: the `meta` of the prompt item that failed. */
  meta?: unknown;

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
      id: this.id,
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

/** The socket failed: DNS, refused, reset, or the body ended early. Retryable. */
export class APIConnectionError extends LlmError {
  override name = 'APIConnectionError';
  constructor(message = 'Connection error.', options: LlmErrorOptions = {}) {
    super(message, { code: 'connection_error', ...options }, { retryable: true });
  }
}

/** Which clock ran out. */
export type TimeoutPhase = 'connect' | 'request' | 'idle';

/** A timeout ran out: connecting, the whole request, or the idle time between stream chunks. Retryable. */
export class APITimeoutError extends APIConnectionError {
  override name = 'APITimeoutError';
  readonly phase: TimeoutPhase;
  constructor(phase: TimeoutPhase, timeoutMs: number, options: LlmErrorOptions = {}) {
    super(`${describePhase(phase)} timed out after ${timeoutMs} ms.`, { code: `${phase}_timeout`, ...options });
    this.phase = phase;
  }
}

/**
 * A stream broke after its first chunk. Keeps what arrived in `partialText`, secrets redacted (a server may echo the
 * key in its text before dropping). Not retried (unless `resumeStreams`).
 */
export class StreamInterruptedError extends LlmError {
  override name = 'StreamInterruptedError';
  readonly partialText: string;
  constructor(partialText: string, options: LlmErrorOptions = {}) {
    const reason = options.cause instanceof Error ? `: ${options.cause.message}` : '.';
    super(`Stream interrupted after ${partialText.length} characters${reason}`, { code: 'stream_interrupted', ...options });
    this.partialText = redactSecrets(partialText);
  }
}

/** The server sent something that is not the protocol: malformed JSON or SSE, wrong shapes, wrong content type. */
export class ResponseValidationError extends LlmError {
  override name = 'ResponseValidationError';
  /** zod issues, when a schema rejected the body. */
  readonly issues?: unknown[];
  constructor(message: string, options: LlmErrorOptions & { issues?: unknown[] } = {}) {
    super(message, { code: 'invalid_response', ...options });
    if (options.issues !== undefined) this.issues = options.issues;
  }
}

/** The response body grew past the size cap and was cut off. */
export class ResponseTooLargeError extends ResponseValidationError {
  override name = 'ResponseTooLargeError';
  constructor(limitBytes: number, options: LlmErrorOptions = {}) {
    super(`Response body exceeded the ${limitBytes}-byte cap and was cut off.`, { code: 'body_too_large', ...options });
  }
}

/** The model's answer does not satisfy the user's schema. Keeps the raw text and the zod issues. */
export class StructuredOutputError extends LlmError {
  override name = 'StructuredOutputError';
  readonly rawText: string;
  readonly issues: unknown[];
  /** Tokens of the request whose answer failed: paid for all the same (the response's `usage`, when known). */
  readonly usage?: { inputTokens: number; outputTokens: number };
  constructor(rawText: string, issues: unknown[], options: LlmErrorOptions & { usage?: { inputTokens: number; outputTokens: number } } = {}) {
    const { usage, ...rest } = options;
    super(`The answer does not match the schema (${issues.length} issue${issues.length === 1 ? '' : 's'})${firstIssue(issues)}`, {
      code: 'structured_output_invalid',
      ...rest,
    });
    this.rawText = rawText;
    this.issues = issues;
    if (usage !== undefined) this.usage = usage;
  }
}

/**
 * The model refused a structured request; `refusal` holds its refusal text (also in `rawText`). Never retried.
 *
 * A `StructuredOutputError` subclass, so code that treats every structured failure as a per-item outcome keeps
 * doing so; branch on `instanceof RefusalError` to tell a refusal from an answer that fails the schema.
 */
export class RefusalError extends StructuredOutputError {
  override name = 'RefusalError';
  /** What the model said instead of answering (may be `''` when the provider gave no text). */
  readonly refusal: string;
  constructor(refusal: string, options: LlmErrorOptions = {}) {
    super(refusal, [{ code: 'refusal', path: [], message: 'The model refused to answer.' }], { code: 'refusal', ...options });
    this.message = `The model refused to answer (${refusal.length} characters of refusal text).`;
    this.refusal = refusal;
  }
}

/** `; first: path: message` for the first issue (zod's shape), or `.` when there is none. */
function firstIssue(issues: unknown[]): string {
  const issue = issues[0] as { path?: unknown; message?: unknown } | undefined;
  if (issue === undefined || typeof issue !== 'object' || issue === null) return '.';
  const path = Array.isArray(issue.path) && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  const message = typeof issue.message === 'string' ? issue.message : 'invalid';
  return `; first: ${path}: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`;
}

/** A prompt was not sent because it could overrun the run's `maxCost` or `maxTotalTokens` budget. */
export class BudgetExceededError extends LlmError {
  override name = 'BudgetExceededError';
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, { code: 'budget_exceeded', ...options });
  }
}

/** An option, prompt or schema is invalid. Thrown at once, before anything is sent; the message names the field. */
export class InvalidOptionsError extends LlmError {
  override name = 'InvalidOptionsError';
  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, { code: 'invalid_options', ...options });
  }
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
  return new LlmError(message, { cause: error, provider });
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
