// rxllm public API. This file is the only public entry: named exports, no default export.

// Core types
export type {
  ChatChunk,
  ChatMessage,
  ChatParams,
  ChatRequest,
  ChatResponse,
  ChatResult,
  Prompt,
  RateLimitInfo,
  ResponseFormat,
  RetryOptions,
  Role,
  Usage,
} from './types.js';

// Errors
export {
  APIConnectionError,
  ApiCallError,
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
} from './errors.js';
export type { LlmErrorOptions, TimeoutPhase } from './errors.js';

// Models and providers
export type { ChatModel, ChatProvider } from './providers/provider.js';
export type { ProviderRequest } from './resolve-prompt.js';
export { createChatModel } from './chat-model.js';
export type { ChatModelSettings } from './chat-model.js';
export { estimateInputTokens } from './estimate-tokens.js';

// Operators
export { retryWithBackoff } from './operators/retry-with-backoff.js';
export type { RetryEvent, RetryWithBackoffOptions } from './operators/retry-with-backoff.js';
