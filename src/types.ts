import type { LlmError } from './errors.js';

/** Who wrote a message. */
export type Role = 'system' | 'user' | 'assistant';

/** One message of a conversation. */
export interface ChatMessage {
  role: Role;
  content: string;
}

/** How the model should shape its answer. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      /** Name of the schema, `[a-zA-Z0-9_-]{1,64}`. */
      name: string;
      /** A JSON Schema object. */
      schema: Record<string, unknown>;
      /** Ask the provider to enforce the schema exactly. @defaultValue `true` */
      strict?: boolean;
      description?: string;
    };

/**
 * Generation parameters, camelCase. They may be set on the provider factory, per call, or per prompt;
 * later levels win field by field.
 */
export interface ChatParams {
  /** Most tokens the model may write. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string | string[];
  seed?: number;
  responseFormat?: ResponseFormat;
  /** Override the model for this request. */
  model?: string;
  /**
   * Raw, provider-specific fields merged into the wire body last (escape hatch), e.g.
   * `{ logprobs: true }` for OpenAI or `{ top_k: 5 }` for Anthropic.
   */
  extra?: Record<string, unknown>;
}

/** A full request: the messages plus per-request parameters. */
export interface ChatRequest {
  messages: ChatMessage[];
  params?: ChatParams;
}

/** A prompt: one user message, a conversation, or a full request. */
export type Prompt = string | ChatMessage[] | ChatRequest;

/** Token usage reported by the server. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * Rate-limit state read from response headers (`x-ratelimit-*`, `anthropic-ratelimit-*`, `retry-after`).
 * Reset fields are durations in milliseconds from when the response was received.
 */
export interface RateLimitInfo {
  limitRequests?: number;
  remainingRequests?: number;
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
  limitInputTokens?: number;
  remainingInputTokens?: number;
  resetInputTokensMs?: number;
  limitOutputTokens?: number;
  remainingOutputTokens?: number;
  resetOutputTokensMs?: number;
  /** From `retry-after-ms` or `retry-after`. */
  retryAfterMs?: number;
}

/** One complete answer. */
export interface ChatResponse {
  text: string;
  finishReason: string | null;
  usage: Usage;
  model: string;
  requestId?: string;
  rateLimit?: RateLimitInfo;
  /** The parsed body as the server sent it. */
  raw: unknown;
}

/** One streamed piece of an answer. */
export interface ChatChunk {
  /** The text delta; `""` when this chunk carries none. */
  text: string;
  /** Set on the last content chunk (or the final chunk). */
  finishReason?: string | null;
  /** Set on the final chunk. */
  usage?: Usage;
  /** Set on the first chunk of a response when the server says it. */
  requestId?: string;
  model?: string;
  rateLimit?: RateLimitInfo;
}

/** The outcome of one prompt in a pipeline, tagged with its input index. */
export type ChatResult =
  | { index: number; prompt: Prompt; ok: true; response: ChatResponse; attempts: number }
  | { index: number; prompt: Prompt; ok: false; error: LlmError; attempts: number };

/** Retry policy for one prompt. */
export interface RetryOptions {
  /** Retries after the first attempt. @defaultValue `2` */
  maxRetries?: number;
  /** First backoff delay; doubles each retry. @defaultValue `500` */
  initialDelayMs?: number;
  /** Cap on the backoff delay. @defaultValue `8000` */
  maxDelayMs?: number;
  /** Longest server-requested wait (`retry-after`) honoured; longer asks fail the item instead. @defaultValue `60000` */
  maxRetryAfterMs?: number;
  /** Randomise each delay (full jitter between half and all of it). @defaultValue `true` */
  jitter?: boolean;
}
