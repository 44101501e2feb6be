import { describe, expect, it } from 'vitest';
import { errorFromResponse } from '../../src/errors/from-response.js';

describe('errorFromResponse', () => {
  it.each([
    [400, 'BadRequestError'],
    [401, 'AuthenticationError'],
    [402, 'InsufficientCreditsError'],
    [403, 'PermissionDeniedError'],
    [404, 'NotFoundError'],
    [408, 'APICallError'],
    [409, 'APICallError'],
    [413, 'APICallError'],
    [422, 'BadRequestError'],
    [429, 'RateLimitError'],
    [500, 'ServerError'],
    [502, 'ServerError'],
    [503, 'EndpointNotReadyError'],
    [504, 'ServerError'],
    [529, 'ServerError'],
  ])('chooses the class for %d: %s', (status, name) => {
    expect(errorFromResponse({ status, provider: 'openai', body: {} }).name).toBe(name);
  });

  it('uses what the adapter read: message, and code (else type) as the code', () => {
    const error = errorFromResponse({ status: 400, provider: 'p', body: { any: 'shape' }, message: "Invalid value for 'temperature'", code: 'invalid_value', type: 't' });
    expect(error.message).toBe("p answered 400: Invalid value for 'temperature'");
    expect(error.code).toBe('invalid_value');
    expect(errorFromResponse({ status: 529, provider: 'p', body: {}, type: 'busy' })).toMatchObject({ name: 'ServerError', code: 'busy', retryable: true });
  });

  it('takes a plain-text body as the message and reads no JSON envelope itself', () => {
    expect(errorFromResponse({ status: 502, provider: 'p', body: '  Bad Gateway \n' }).message).toBe('p answered 502: Bad Gateway');
    expect(errorFromResponse({ status: 500, provider: 'p', body: { error: { message: 'kaput', code: 'x' } } })).toMatchObject({ message: 'p answered 500', code: undefined });
    expect(errorFromResponse({ status: 500, provider: 'p', body: '' }).message).toBe('p answered 500');
    expect(errorFromResponse({ status: 500, provider: 'p', body: undefined }).message).toBe('p answered 500');
  });

  it('truncates very long messages', () => {
    const error = errorFromResponse({ status: 500, provider: 'p', body: 'x'.repeat(1000) });
    expect(error.message.length).toBeLessThan(350);
    expect(error.message.endsWith('…')).toBe(true);
  });

  it.each([429, 400, 403, 500])('makes a %d fatal InsufficientCreditsError only when the adapter says the credit is exhausted', (status) => {
    expect(errorFromResponse({ status, provider: 'p', body: {}, creditsExhausted: true })).toMatchObject({ name: 'InsufficientCreditsError', fatal: true, retryable: false, status });
    expect(errorFromResponse({ status, provider: 'p', body: {}, message: 'no credit, no quota, see billing' }).name).not.toBe('InsufficientCreditsError');
  });

  it('keeps a 402 fatal InsufficientCreditsError whatever the adapter read', () => {
    expect(errorFromResponse({ status: 402, provider: 'p', body: {} })).toMatchObject({ name: 'InsufficientCreditsError', fatal: true });
  });

  it('carries request id, retry-after and the x-should-retry override', () => {
    expect(errorFromResponse({ status: 503, provider: 'p', body: {}, requestId: 'r1', retryAfterMs: 30, shouldRetry: false })).toMatchObject({
      requestId: 'r1',
      retryAfterMs: 30,
      retryable: false,
      provider: 'p',
      status: 503,
    });
    expect(errorFromResponse({ status: 400, provider: 'p', body: {}, shouldRetry: true }).retryable).toBe(true);
    expect(errorFromResponse({ status: 403, provider: 'p', body: {}, shouldRetry: true }).retryable).toBe(false);
  });

  it('keeps the body', () => {
    const body = { error: { message: 'm', param: 'x' } };
    expect(errorFromResponse({ status: 400, provider: 'p', body }).body).toEqual(body);
  });
});
