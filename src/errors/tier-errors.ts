import { APICallError, BadRequestError } from './api-call-error.js';
import type { LlmErrorOptions } from './llm-error.js';

/**
 * The provider refused a request at a capacity tier (such as flex) for lack of capacity, while the key's rate-limit
 * budget still had room (OpenAI flex's 429 "Resource Unavailable", Groq's 498 `capacity_exceeded`). Always
 * retryable; pipelines delay only its item (never pausing the others) and count it apart from rate limits.
 */
export class CapacityError extends APICallError {
  override name = 'CapacityError';
  /** The tier the refused request asked for, as sent. */
  readonly tier?: string;
  constructor(message: string, options: LlmErrorOptions & { status: number; tier?: string }) {
    super(message, { ...options, retryable: true });
    if (options.tier !== undefined) this.tier = options.tier;
  }
}

/**
 * A 400 saying the model or deployment does not offer the requested service tier (keyed on the error's `param`,
 * not its wording). Not retryable as such; a pipeline with `tierFallback` switches the model to the fallback tier.
 */
export class UnsupportedTierError extends BadRequestError {
  override name = 'UnsupportedTierError';
  /** The tier the refused request asked for, as sent. */
  readonly tier: string;
  constructor(message: string, options: LlmErrorOptions & { status: number; tier: string }) {
    super(message, options);
    this.tier = options.tier;
  }
}

/**
 * True for a `CapacityError`, across duplicate installs of rxllm (checks the name on an `LlmError`-shaped value).
 *
 * @example
 * ```ts
 * import { isCapacityError } from 'rxllm';
 * console.log(isCapacityError(new Error('x'))); // false
 * ```
 */
export function isCapacityError(error: unknown): error is CapacityError {
  return error instanceof CapacityError || (error instanceof Error && error.name === 'CapacityError');
}

/**
 * True for an `UnsupportedTierError`, across duplicate installs of rxllm.
 *
 * @example
 * ```ts
 * import { isUnsupportedTierError } from 'rxllm';
 * console.log(isUnsupportedTierError(new Error('x'))); // false
 * ```
 */
export function isUnsupportedTierError(error: unknown): error is UnsupportedTierError {
  return error instanceof UnsupportedTierError || (error instanceof Error && error.name === 'UnsupportedTierError');
}
