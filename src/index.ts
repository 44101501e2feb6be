// rxllm public API. This file is the only public entry: named exports, no default export.

// Core types
export type {
  CacheControl,
  ChatChunk,
  ChatMessage,
  ContentPart,
  DocumentPart,
  ImagePart,
  ChatParams,
  ServiceTier,
  ChatRequest,
  ChatResponse,
  ChatResult,
  StructuredResult,
  ItemTag,
  LimitInForce,
  LimitSource,
  LimitsInForce,
  Prompt,
  PromptId,
  PromptItem,
  RateLimitInfo,
  ResponseFormat,
  RetryOptions,
  Role,
  TextPart,
  Usage,
} from './types.js';

// Errors
export {
  APIConnectionError,
  APITimeoutError,
  BudgetExceededError,
  InvalidOptionsError,
  isLlmError,
  LlmError,
  ResponseTooLargeError,
  ResponseValidationError,
  StreamInterruptedError,
  RefusalError,
  StructuredOutputError,
  toLlmError,
} from './errors/llm-error.js';
export {
  APICallError,
  AuthenticationError,
  BadRequestError,
  EndpointNotReadyError,
  InsufficientCreditsError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
} from './errors/api-call-error.js';
export { LimiterStoreError } from './errors/limiter-store-error.js';
export { CapacityError, isCapacityError, isUnsupportedTierError, UnsupportedTierError } from './errors/tier-errors.js';
export type { LlmErrorOptions, TimeoutPhase } from './errors/llm-error.js';

// Models and providers
export type { ChatModel, ChatProvider } from './model/chat-provider.js';
export type { ProviderRequest } from './types.js';
export { chatParamsSchema } from './internal/chat-params-schema.js';
export { customModel } from './model/custom-model.js';
export type { CustomModelOptions } from './model/custom-model.js';
export { estimateInputTokens } from './model/estimate-tokens.js';
export { openai } from './providers/openai-compatible/openai.js';
export type { OpenAIOptions } from './providers/openai-compatible/openai.js';
export type { ResponsesReasoning } from './providers/openai-compatible/to-responses-request.js';
export { anthropic, DEFAULT_ANTHROPIC_MAX_TOKENS } from './providers/anthropic/anthropic.js';
export type { AnthropicOptions } from './providers/anthropic/anthropic.js';
export { chatModel, knownProviders } from './providers/chat-model-router.js';
export type { ChatModelOptions, ProviderPreset } from './providers/chat-model-router.js';

// Templates, usage and cost
export { interpolate } from './model/interpolate.js';
export type { InterpolateOptions, TemplateValue, TemplateVariables } from './model/interpolate.js';
export { DEFAULT_PRICES, definePrices, PRICES_AS_OF, priceOf } from './cost/model-prices.js';
export type { ModelPrice, PriceTable, PriceTier, TierPrice } from './cost/model-prices.js';
export { costOf } from './cost/cost-of.js';
export { priceTierOf } from './cost/price-tier-of.js';
export { estimateCost } from './cost/estimate-cost.js';
export type { CostEstimate, EstimateCostOptions } from './cost/estimate-cost.js';
export { summarizeUsage } from './cost/summarize-usage.js';
export type { ModelUsage, UsageSource, UsageSummary } from './cost/summarize-usage.js';
export { usageBudget } from './cost/usage-budget.js';
export type { Budget, BudgetOptions, BudgetReservation, BudgetState } from './cost/usage-budget.js';

// Structured output
export { structuredOutput } from './structured/structured-output.js';
export type { StructuredOutput, StructuredOutputOptions, StructuredParseMeta, StructuredParseResult } from './structured/structured-output.js';
export { chatStructured } from './structured/chat-structured.js';
export type { ChatStructuredOptions } from './structured/chat-structured.js';
export { parallelChatStructured } from './structured/parallel-chat-structured.js';
export type { ParallelChatStructuredOptions, ParallelChatStructuredResult } from './structured/parallel-chat-structured.js';
export { chatEachStructured } from './structured/chat-each-structured.js';
export type { ChatEachStructuredOptions } from './structured/chat-each-structured.js';

// Transport helpers (pure)
export { parseRetryAfter } from './transport/retry-after.js';
export { parseRateLimitHeaders } from './providers/parse-rate-limit-headers.js';

// Rate limiting
export { rateLimiter } from './rate-limiter/rate-limiter.js';
export type { RateLimiterOptions } from './rate-limiter/rate-limiter.js';
export type { RateLimiter, RefusalOptions, RequestCost, Reservation } from './rate-limiter/rate-limiter-types.js';
export { memoryLimiterStore } from './rate-limiter/memory-limiter-store.js';
export type { MemoryLimiterStore } from './rate-limiter/memory-limiter-store.js';
export type {
  RateLimiterStore,
  RateLimits,
  ReserveRequest,
  ReserveResult,
  TokenParts,
} from './rate-limiter/rate-limiter-store.js';
export { rateLimit } from './rate-limiter/rate-limit.js';
export { redisLimiterStore } from './rate-limiter/redis-limiter-store.js';
export type { RedisLimiterClient, RedisLimiterStoreOptions } from './rate-limiter/redis-limiter-store.js';

// Operators
export { retryWithBackoff } from './model/retry-with-backoff.js';
export type { RetryEvent, RetryWithBackoffOptions } from './model/retry-with-backoff.js';

// The parallel pipeline
export { chatEach } from './pipeline/chat-each.js';
export type { ChatEachOptions } from './pipeline/chat-each.js';
export { streamEach } from './pipeline/stream-each.js';
export type { StreamEachOptions, StreamItem } from './pipeline/stream-each.js';
export type { OnError, TierFallback } from './pipeline/pipeline-options.js';
export { parallelChat } from './promise/parallel-chat.js';
export type { ParallelChatOptions, ParallelChatResult, PromptSource } from './promise/parallel-chat.js';
export { parallelChatText } from './promise/parallel-chat-text.js';
export { retryFailures } from './promise/retry-failures.js';
export { partialResultsOf } from './promise/partial-results.js';
export { stopReasonOf } from './promise/stop-reason.js';
export type { StopReason } from './promise/stop-reason.js';
export { pullPrompts } from './pipeline/pull-prompts.js';
export type { PullPromptsOptions, PullSource } from './pipeline/pull-prompts.js';
export { progressTracker } from './progress/progress-tracker.js';
export type { Progress, ProgressOptions, ProgressRecorder, ProgressTracker } from './progress/progress-tracker.js';

// Resume: results files (the CLI's format) as checkpoints
export { CheckpointError } from './checkpoint/checkpoint-error.js';
export { openResultsCheckpoint } from './checkpoint/results-checkpoint.js';
export type { ResultsCheckpoint, ResultsCheckpointOptions } from './checkpoint/results-checkpoint.js';
export type { ResultsScan } from './checkpoint/scan-results-file.js';
export { failedResultLine, formatResultLine, okResultLine } from './checkpoint/format-result-line.js';
export type { ResultContext, ResultLine, ResultLineError } from './checkpoint/format-result-line.js';
export { IdSet } from './checkpoint/id-set.js';
export { readLines } from './checkpoint/read-lines.js';
export type { Line, ReadLinesOptions } from './checkpoint/read-lines.js';
// Batch APIs
export { batchChat } from './batch/batch-chat.js';
export { batchChatText } from './batch/batch-chat-text.js';
export type { BatchChatOptions, BatchJobProgress, BatchProgress, BatchResubmit } from './batch/batch-chat-options.js';
export type { BatchOutcome } from './batch/run-batch-job.js';
export type { BatchFailure, BatchItemResult, BatchLimits, BatchPhase, BatchProvider, BatchStatus } from './model/batch-provider.js';
export { batchChatStructured } from './batch/batch-chat-structured.js';
export type { BatchChatStructuredOptions } from './batch/batch-chat-structured.js';
export { batchJobStatus } from './batch/batch-job-status.js';
