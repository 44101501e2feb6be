import { describe, expect, it } from 'vitest';
import { InsufficientCreditsError, RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import { type ErrorVocabulary, errorFromFailure, isErrorBody, readErrorBody } from '../../src/providers/error-body.js';
import type { HttpFailure } from '../../src/transport/http-types.js';

describe('isErrorBody', () => {
  it.each([
    [{ error: { message: 'x' } }, true],
    [{ error: 'x' }, true],
    [{ type: 'error', error: { type: 'overloaded_error' } }, true],
    [[{ error: { code: 429 } }], true],
    [{ choices: [] }, false],
    [{ error: null }, false],
    ['error', false],
    [null, false],
    [[], false],
  ])('%j → %s', (body, expected) => {
    expect(isErrorBody(body)).toBe(expected);
  });
});

describe('readErrorBody', () => {
  it('reads the common envelope: message, type, a word code, a numeric status, the body request id', () => {
    expect(readErrorBody({ error: { message: 'm', type: 't', code: 'c' } })).toEqual({ message: 'm', type: 't', code: 'c' });
    expect(readErrorBody({ type: 'error', error: { type: 'x', message: 'm' }, request_id: 'req_1' })).toEqual({ type: 'x', message: 'm', requestId: 'req_1' });
    expect(readErrorBody({ error: { code: '429', message: 'm' } })).toEqual({ message: 'm', status: 429 });
    expect(readErrorBody({ error: 'plain' })).toEqual({ message: 'plain' });
  });

  it('reads the first of an array and an SSE-framed envelope', () => {
    expect(readErrorBody([{ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'm' } }])).toEqual({ message: 'm', code: 'RESOURCE_EXHAUSTED', status: 429 });
    expect(readErrorBody(': comment\nevent: error\ndata: {"error": {"message": "m", "code": "503"}}\n\n')).toEqual({ message: 'm', status: 503 });
    expect(readErrorBody('data: not json\n\n')).toBeUndefined();
    expect(readErrorBody('Bad Gateway')).toBeUndefined();
  });
});

describe('errorFromFailure', () => {
  const words: ErrorVocabulary = { statusOf: (detail) => (detail.code === 'slow' ? 429 : undefined), creditsExhausted: (detail) => detail.code === 'broke' };
  const failure = (status: number, body: unknown, extra: Partial<HttpFailure> = {}): HttpFailure => ({ status, provider: 'p', body, headers: {}, ...extra });

  it('keeps an error HTTP status, and asks the vocabulary whether the credit is exhausted', () => {
    expect(errorFromFailure(failure(429, { error: { code: 'slow', message: 'billing quota credit' } }), words)).toBeInstanceOf(RateLimitError);
    expect(errorFromFailure(failure(429, { error: { code: 'broke' } }), words)).toBeInstanceOf(InsufficientCreditsError);
  });

  it('on a 2xx: the status the body names, else the vocabulary, else 500; undefined for no envelope', () => {
    expect(errorFromFailure(failure(200, { error: { code: 503 } }), words)).toMatchObject({ name: 'EndpointNotReadyError', status: 503 });
    expect(errorFromFailure(failure(200, { error: { code: 'slow' } }), words)).toMatchObject({ name: 'RateLimitError', status: 429 });
    expect(errorFromFailure(failure(200, { error: { message: '?' } }), words)).toBeInstanceOf(ServerError);
    expect(errorFromFailure(failure(200, { choices: [] }), words)).toBeUndefined();
  });

  it('keeps request id (head, then gateway header, then body), retry-after and x-should-retry', () => {
    const body = { type: 'error', error: { message: 'm' }, request_id: 'req_body' };
    expect(errorFromFailure(failure(500, body, { requestId: 'req_head', retryAfterMs: 7, shouldRetry: false }), words)).toMatchObject({
      requestId: 'req_head',
      retryAfterMs: 7,
      retryable: false,
    });
    expect(errorFromFailure(failure(500, body, { headers: { 'x-litellm-call-id': 'call' } }), words)?.requestId).toBe('call');
    expect(errorFromFailure(failure(500, body), words)?.requestId).toBe('req_body');
  });
});
