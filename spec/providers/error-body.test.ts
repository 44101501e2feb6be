import { describe, expect, it } from 'vitest';
import { InsufficientCreditsError, RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import { errorFromErrorBody, isErrorBody } from '../../src/providers/error-body.js';

describe('isErrorBody', () => {
  it.each([
    [{ error: { message: 'x' } }, true],
    [{ error: 'x' }, true],
    [{ type: 'error', error: { type: 'overloaded_error' } }, true],
    [{ choices: [] }, false],
    [{ error: null }, false],
    ['error', false],
    [null, false],
    [[{ error: {} }], false],
  ])('%j → %s', (body, expected) => {
    expect(isErrorBody(body)).toBe(expected);
  });
});

describe('errorFromErrorBody', () => {
  const base = { provider: 'openai', fallbackStatus: 500 };

  it('takes a numeric status or code from the body', () => {
    expect(errorFromErrorBody({ ...base, body: { error: { code: 429, message: 'slow' } } })).toBeInstanceOf(RateLimitError);
    expect(errorFromErrorBody({ ...base, body: { error: { status: '503' } } })).toMatchObject({ name: 'EndpointNotReadyError', status: 503 });
  });

  it('maps known error types and codes', () => {
    expect(errorFromErrorBody({ ...base, body: { type: 'error', error: { type: 'overloaded_error' } } })).toMatchObject({ status: 529, retryable: true });
    expect(errorFromErrorBody({ ...base, body: { error: { type: 'invalid_request_error' } } })).toMatchObject({ name: 'BadRequestError', status: 400 });
    expect(errorFromErrorBody({ ...base, body: { error: { type: 'authentication_error' } } })).toMatchObject({ name: 'AuthenticationError', fatal: true });
    expect(errorFromErrorBody({ ...base, body: { error: { code: 'insufficient_quota', message: 'quota' } } })).toBeInstanceOf(InsufficientCreditsError);
    expect(errorFromErrorBody({ ...base, body: { error: { type: 'server_error' } } })).toMatchObject({ name: 'ServerError', status: 500 });
  });

  it('falls back to fallbackStatus and keeps request id, retry-after and x-should-retry', () => {
    const error = errorFromErrorBody({ ...base, body: { error: { message: '?' } }, requestId: 'r', retryAfterMs: 7, shouldRetry: false });
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 500, requestId: 'r', retryAfterMs: 7, retryable: false });
  });
});
