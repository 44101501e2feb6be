import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import { APIConnectionError, APITimeoutError, LlmError, ResponseValidationError } from '../../src/errors/llm-error.js';
import { RateLimitError } from '../../src/errors/api-call-error.js';
import { toTransportError } from '../../src/transport/to-transport-error.js';

const context = { provider: 'openai', requestId: 'req_1' };
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('toTransportError', () => {
  it('passes rxllm errors through unchanged', () => {
    const error = new RateLimitError('slow down', { status: 429 });
    expect(toTransportError(error, context)).toBe(error);
  });

  it('maps undici headers and body timeouts to phases request and idle', () => {
    expect(toTransportError(new errors.HeadersTimeoutError('Headers Timeout Error'), context)).toMatchObject({ name: 'APITimeoutError', phase: 'request' });
    expect(toTransportError(new errors.BodyTimeoutError('Body Timeout Error'), context)).toMatchObject({ name: 'APITimeoutError', phase: 'idle' });
  });

  it.each([
    ['ECONNREFUSED', withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')],
    ['ECONNRESET', withCode('read ECONNRESET', 'ECONNRESET')],
    ['ENOTFOUND', withCode('getaddrinfo ENOTFOUND nowhere.invalid', 'ENOTFOUND')],
    ['SocketError', new errors.SocketError('other side closed')],
    ['content-length mismatch', new errors.ResponseContentLengthMismatchError()],
    ['no code at all', new Error('mystery')],
  ])('maps %s to a retryable APIConnectionError keeping cause, provider and request id', (_, cause) => {
    const error = toTransportError(cause, context);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).not.toBeInstanceOf(APITimeoutError);
    expect(error).toMatchObject({ retryable: true, provider: 'openai', requestId: 'req_1' });
    expect(error.cause).toBe(cause);
  });

  it('maps HTTP parser errors to ResponseValidationError', () => {
    expect(toTransportError(withCode('Invalid header value char', 'HPE_INVALID_HEADER_TOKEN'), context)).toBeInstanceOf(ResponseValidationError);
  });

  it('maps programming errors to a non-retryable LlmError', () => {
    for (const cause of [new errors.InvalidArgumentError('invalid method'), new TypeError('Do not know how to serialize a BigInt')]) {
      const error = toTransportError(cause, context);
      expect(error).toBeInstanceOf(LlmError);
      expect(error).not.toBeInstanceOf(APIConnectionError);
      expect(error.retryable).toBe(false);
    }
  });

  it('accepts non-Error values', () => {
    expect(toTransportError('boom', context)).toBeInstanceOf(APIConnectionError);
  });
});
