// Type tests of the error hierarchy (checked by `npm run typecheck`): the fields callers branch on, and the
// subclass relations that `instanceof` checks rely on.
import { expectTypeOf, it } from 'vitest';
import {
  type TimeoutPhase,
  APIConnectionError,
  APICallError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  BudgetExceededError,
  EndpointNotReadyError,
  InsufficientCreditsError,
  InvalidOptionsError,
  isLlmError,
  LlmError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ResponseTooLargeError,
  ResponseValidationError,
  ServerError,
  StreamInterruptedError,
  StructuredOutputError,
  toLlmError,
} from '../../src/index.js';

it('gives every LlmError the fields of the spec', () => {
  expectTypeOf<LlmError>().toExtend<Error>();
  expectTypeOf<LlmError['status']>().toEqualTypeOf<number | undefined>();
  expectTypeOf<LlmError['code']>().toEqualTypeOf<string | undefined>();
  expectTypeOf<LlmError['provider']>().toEqualTypeOf<string | undefined>();
  expectTypeOf<LlmError['requestId']>().toEqualTypeOf<string | undefined>();
  expectTypeOf<LlmError['retryAfterMs']>().toEqualTypeOf<number | undefined>();
  expectTypeOf<LlmError['retryable']>().toEqualTypeOf<boolean>();
  expectTypeOf<LlmError['fatal']>().toEqualTypeOf<boolean>();
  // @ts-expect-error the flags are read-only
  new LlmError('x').fatal = true;
});

it('gives the HTTP errors a status, and the special errors their own fields', () => {
  expectTypeOf<APICallError['status']>().toEqualTypeOf<number>();
  expectTypeOf<RateLimitError['status']>().toEqualTypeOf<number>();
  expectTypeOf<APITimeoutError['phase']>().toEqualTypeOf<TimeoutPhase>();
  expectTypeOf<TimeoutPhase>().toEqualTypeOf<'connect' | 'request' | 'idle'>();
  expectTypeOf<StreamInterruptedError['partialText']>().toEqualTypeOf<string>();
  expectTypeOf<StructuredOutputError['rawText']>().toEqualTypeOf<string>();
  expectTypeOf<StructuredOutputError['issues']>().toEqualTypeOf<unknown[]>();
  expectTypeOf<ResponseValidationError['issues']>().toEqualTypeOf<unknown[] | undefined>();
});

it('keeps the hierarchy that instanceof checks rely on', () => {
  expectTypeOf<APIConnectionError>().toExtend<LlmError>();
  expectTypeOf<APITimeoutError>().toExtend<APIConnectionError>();
  expectTypeOf<APICallError>().toExtend<LlmError>();
  expectTypeOf<BadRequestError>().toExtend<APICallError>();
  expectTypeOf<AuthenticationError>().toExtend<APICallError>();
  expectTypeOf<InsufficientCreditsError>().toExtend<APICallError>();
  expectTypeOf<PermissionDeniedError>().toExtend<APICallError>();
  expectTypeOf<NotFoundError>().toExtend<APICallError>();
  expectTypeOf<RateLimitError>().toExtend<APICallError>();
  expectTypeOf<ServerError>().toExtend<APICallError>();
  expectTypeOf<EndpointNotReadyError>().toExtend<ServerError>();
  expectTypeOf<ResponseTooLargeError>().toExtend<ResponseValidationError>();
  expectTypeOf<StreamInterruptedError>().toExtend<LlmError>();
  expectTypeOf<ResponseValidationError>().toExtend<LlmError>();
  expectTypeOf<StructuredOutputError>().toExtend<LlmError>();
  expectTypeOf<BudgetExceededError>().toExtend<LlmError>();
  expectTypeOf<InvalidOptionsError>().toExtend<LlmError>();
});

it('narrows with isLlmError and converts with toLlmError', () => {
  expectTypeOf(isLlmError).guards.toEqualTypeOf<LlmError>();
  expectTypeOf(toLlmError).returns.toEqualTypeOf<LlmError>();
  const describe = (error: unknown) => {
    if (isLlmError(error)) expectTypeOf(error.retryable).toEqualTypeOf<boolean>();
    // @ts-expect-error unknown until narrowed
    void error.retryable;
  };
  void describe;
});
