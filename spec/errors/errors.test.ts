import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { APIConnectionError, APITimeoutError, BudgetExceededError, InvalidOptionsError, isLlmError, LlmError, ResponseTooLargeError, ResponseValidationError, StreamInterruptedError, StructuredOutputError, toLlmError } from '../../src/errors/llm-error.js';
import { APICallError, AuthenticationError, BadRequestError, EndpointNotReadyError, InsufficientCreditsError, isRetryableStatus, NotFoundError, PermissionDeniedError, RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import { rememberSecret } from '../../src/errors/redact-secrets.js';

describe('the error hierarchy', () => {
  it('roots every class at LlmError and Error, with its own name', () => {
    const errors: LlmError[] = [
      new APIConnectionError(),
      new APITimeoutError('request', 5),
      new APICallError('x', { status: 418 }),
      new BadRequestError('x', { status: 400 }),
      new AuthenticationError('x', { status: 401 }),
      new InsufficientCreditsError('x', { status: 402 }),
      new PermissionDeniedError('x', { status: 403 }),
      new NotFoundError('x', { status: 404 }),
      new RateLimitError('x', { status: 429 }),
      new ServerError('x', { status: 500 }),
      new EndpointNotReadyError('x', { status: 503 }),
      new StreamInterruptedError('part'),
      new ResponseValidationError('x'),
      new ResponseTooLargeError(10),
      new StructuredOutputError('{}', []),
      new BudgetExceededError('x'),
      new InvalidOptionsError('x'),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(LlmError);
      expect(isLlmError(error)).toBe(true);
      expect(error.name).toBe(error.constructor.name);
      expect(String(error).startsWith(`${error.name}: `)).toBe(true);
    }
    expect(new APITimeoutError('idle', 1)).toBeInstanceOf(APIConnectionError);
    expect(new EndpointNotReadyError('x', { status: 503 })).toBeInstanceOf(ServerError);
    expect(new RateLimitError('x', { status: 429 })).toBeInstanceOf(APICallError);
    expect(new ResponseTooLargeError(1)).toBeInstanceOf(ResponseValidationError);
  });

  it('recognises errors from another copy of the library by their brand', () => {
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('rxllm.LlmError'), { value: true });
    expect(isLlmError(foreign)).toBe(true);
    expect(isLlmError(new Error('x'))).toBe(false);
    expect(isLlmError(null)).toBe(false);
    expect(isLlmError('LlmError')).toBe(false);
  });

  it('sets retryable from the status and fatal from the class', () => {
    expect(new APICallError('x', { status: 408 })).toMatchObject({ retryable: true, fatal: false });
    expect(new BadRequestError('x', { status: 400 })).toMatchObject({ retryable: false, fatal: false });
    expect(new ServerError('x', { status: 500 })).toMatchObject({ retryable: true, fatal: false });
    expect(new AuthenticationError('x', { status: 401 })).toMatchObject({ retryable: false, fatal: true });
    expect(new InsufficientCreditsError('x', { status: 429 })).toMatchObject({ retryable: false, fatal: true });
    expect(new PermissionDeniedError('x', { status: 403 })).toMatchObject({ retryable: false, fatal: true });
    expect(new APIConnectionError()).toMatchObject({ retryable: true, code: 'connection_error' });
    expect(new StreamInterruptedError('x')).toMatchObject({ retryable: false, code: 'stream_interrupted' });
    expect(new ResponseValidationError('x')).toMatchObject({ retryable: false, code: 'invalid_response' });
  });

  it('lets x-should-retry override retryable, except for fatal errors', () => {
    expect(new BadRequestError('x', { status: 400, retryable: true }).retryable).toBe(true);
    expect(new ServerError('x', { status: 500, retryable: false }).retryable).toBe(false);
    expect(new AuthenticationError('x', { status: 401, retryable: true }).retryable).toBe(false);
  });

  it('names the phase of a timeout in its message and code', () => {
    expect(new APITimeoutError('connect', 10_000)).toMatchObject({ phase: 'connect', code: 'connect_timeout', message: 'Connecting timed out after 10000 ms.' });
    expect(new APITimeoutError('request', 60_000)).toMatchObject({ code: 'request_timeout', message: 'The request timed out after 60000 ms.' });
    expect(new APITimeoutError('idle', 500).message).toBe('Waiting for the next stream chunk timed out after 500 ms.');
  });

  it('keeps the partial text of an interrupted stream and says why', () => {
    const error = new StreamInterruptedError('héllo', { cause: new Error('socket hang up') });
    expect(error.partialText).toBe('héllo');
    expect(error.message).toBe('Stream interrupted after 5 characters: socket hang up');
  });

  it('counts structured-output issues in the message', () => {
    expect(new StructuredOutputError('{}', [{}]).message).toContain('1 issue)');
    expect(new StructuredOutputError('{}', [{}, {}]).message).toContain('2 issues)');
  });

  it('summarises itself for JSON.stringify and util.inspect', () => {
    const error = new RateLimitError('openai answered 429', { status: 429, provider: 'openai', requestId: 'req_1', retryAfterMs: 20, code: 'rate_limit_exceeded' });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'RateLimitError',
      message: 'openai answered 429',
      status: 429,
      code: 'rate_limit_exceeded',
      provider: 'openai',
      requestId: 'req_1',
      retryable: true,
      fatal: false,
      retryAfterMs: 20,
    });
    const shown = inspect(error);
    expect(shown).toContain('RateLimitError: openai answered 429');
    expect(shown).toContain("requestId: 'req_1'");
  });

  it('redacts remembered secrets from the message, body, code and request id', () => {
    rememberSecret('sk-errors-spec-secret-1');
    const error = new AuthenticationError('bad key sk-errors-spec-secret-1', {
      status: 401,
      code: 'sk-errors-spec-secret-1',
      requestId: 'req-sk-errors-spec-secret-1',
      body: { error: { message: 'key sk-errors-spec-secret-1', nested: ['sk-errors-spec-secret-1'] } },
    });
    expect(error.message).toBe('bad key [redacted]');
    expect(error.code).toBe('[redacted]');
    expect(error.requestId).toBe('req-[redacted]');
    expect(error.body).toEqual({ error: { message: 'key [redacted]', nested: ['[redacted]'] } });
    expect(new ServerError('x', { status: 500, body: 'text sk-errors-spec-secret-1' }).body).toBe('text [redacted]');
  });

  it('drops a body that cannot be serialised rather than keep it unredacted', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(new ServerError('x', { status: 500, body: circular }).body).toBeUndefined();
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [400, false], [401, false], [403, false], [404, false], [408, true], [409, true], [422, false],
    [429, true], [498, true], [500, true], [502, true], [503, true], [504, true], [529, true],
  ])('%d → %s', (status, retryable) => {
    expect(isRetryableStatus(status)).toBe(retryable);
  });
});

describe('toLlmError', () => {
  it('keeps LlmErrors and wraps anything else with its cause and provider', () => {
    const original = new ServerError('x', { status: 500 });
    expect(toLlmError(original)).toBe(original);
    const cause = new TypeError('oops');
    const wrapped = toLlmError(cause, 'openai');
    expect(wrapped).toBeInstanceOf(LlmError);
    expect(wrapped).toMatchObject({ message: 'oops', provider: 'openai', retryable: false });
    expect(wrapped.cause).toBe(cause);
    expect(toLlmError('plain string').message).toBe('plain string');
  });
});
