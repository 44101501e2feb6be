import { describe, expect, it } from 'vitest';
import { BadRequestError, RateLimitError } from '../../src/errors/api-call-error.js';
import { errorFromResponse } from '../../src/errors/from-response.js';
import { CapacityError, isCapacityError, isUnsupportedTierError, UnsupportedTierError } from '../../src/errors/tier-errors.js';

describe('tier refusals', () => {
  it('makes a capacity refusal a retryable CapacityError, not a RateLimitError, keeping status, tier and headers', () => {
    const rateLimit = { remainingRequests: 40, limitRequests: 50 };
    const error = errorFromResponse({ status: 429, provider: 'openai', body: {}, tier: 'flex', tierRefusal: 'capacity', rateLimit });
    expect(error).toBeInstanceOf(CapacityError);
    expect(error).not.toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ name: 'CapacityError', status: 429, tier: 'flex', retryable: true, rateLimit });
    expect(isCapacityError(error)).toBe(true);
  });

  it('makes a 498 (the capacity status of Groq) retryable', () => {
    expect(errorFromResponse({ status: 498, provider: 'groq', body: {} }).retryable).toBe(true);
    expect(errorFromResponse({ status: 498, provider: 'groq', body: {}, tierRefusal: 'capacity' })).toMatchObject({ name: 'CapacityError', retryable: true });
  });

  it('makes a 400 the adapter marks unsupported an UnsupportedTierError (a BadRequestError) with the tier', () => {
    const error = errorFromResponse({ status: 400, provider: 'azure', body: {}, tier: 'flex', tierRefusal: 'unsupported' });
    expect(error).toBeInstanceOf(UnsupportedTierError);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ tier: 'flex', retryable: false });
    expect(isUnsupportedTierError(error)).toBe(true);
    expect(isUnsupportedTierError(errorFromResponse({ status: 400, provider: 'azure', body: {} }))).toBe(false);
  });

  it('recognises copies from another install by name', () => {
    const copy = Object.assign(new Error('x'), { name: 'CapacityError' });
    expect(isCapacityError(copy)).toBe(true);
  });
});
