import { LlmError, type LlmErrorOptions } from './llm-error.js';

/** A shared rate-limiter store (Redis) did not answer in time or refused the call; retryable, since it may come back. */
export class LimiterStoreError extends LlmError {
  override name = 'LimiterStoreError';

  constructor(message: string, options: LlmErrorOptions = {}) {
    super(message, { code: 'limiter_store_unavailable', ...options }, { retryable: true });
  }
}
