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

  it('reads the OpenAI envelope: message, code, type', () => {
    const error = errorFromResponse({
      status: 400,
      provider: 'openai',
      body: { error: { message: "Invalid value for 'temperature'", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } },
    });
    expect(error.message).toBe("openai answered 400: Invalid value for 'temperature'");
    expect(error.code).toBe('invalid_value');
  });

  it('reads the Anthropic envelope and uses the type as code when there is no code', () => {
    const error = errorFromResponse({ status: 529, provider: 'anthropic', body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    expect(error).toMatchObject({ name: 'ServerError', code: 'overloaded_error', message: 'anthropic answered 529: Overloaded', retryable: true });
  });

  it('reads plain-text bodies and { message } / { error: "…" } bodies', () => {
    expect(errorFromResponse({ status: 502, provider: 'p', body: '  Bad Gateway \n' }).message).toBe('p answered 502: Bad Gateway');
    expect(errorFromResponse({ status: 500, provider: 'p', body: { message: 'boom' } }).message).toBe('p answered 500: boom');
    expect(errorFromResponse({ status: 500, provider: 'p', body: { error: 'kaput' } }).message).toBe('p answered 500: kaput');
    expect(errorFromResponse({ status: 500, provider: 'p', body: '' }).message).toBe('p answered 500');
    expect(errorFromResponse({ status: 500, provider: 'p', body: undefined }).message).toBe('p answered 500');
  });

  it('truncates very long messages', () => {
    const error = errorFromResponse({ status: 500, provider: 'p', body: 'x'.repeat(1000) });
    expect(error.message.length).toBeLessThan(350);
    expect(error.message.endsWith('…')).toBe(true);
  });

  it.each([
    [429, { error: { code: 'insufficient_quota', message: 'You exceeded your current quota' } }],
    [429, { error: { type: 'insufficient_quota' } }],
    [400, { type: 'error', error: { type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API.' } }],
    [402, {}],
  ])('maps quota / credit exhaustion (%d %j) to a fatal InsufficientCreditsError', (status, body) => {
    expect(errorFromResponse({ status, provider: 'p', body })).toMatchObject({ name: 'InsufficientCreditsError', fatal: true, retryable: false });
  });

  it('keeps an ordinary 429 a retryable RateLimitError', () => {
    expect(errorFromResponse({ status: 429, provider: 'p', body: { error: { message: 'Rate limit reached for gpt-4o on tokens per min' } } })).toMatchObject({
      name: 'RateLimitError',
      retryable: true,
      fatal: false,
    });
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
