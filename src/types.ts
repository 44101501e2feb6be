import type { LlmError } from './errors/llm-error.js';

/**
 * Who wrote a message.
 *
 * @example
 * ```ts
 * import type { ChatMessage, Role } from 'rxllm';
 * const role: Role = 'system';
 * const message: ChatMessage = { role, content: 'Answer in French.' };
 * console.log(message);
 * ```
 */
export type Role = 'system' | 'user' | 'assistant';

/**
 * One message of a conversation.
 *
 * @example
 * ```ts
 * import { openai, type ChatMessage } from 'rxllm';
 * const conversation: ChatMessage[] = [
 *   { role: 'system', content: 'Answer in one word.' },
 *   { role: 'user', content: 'What is the capital of Peru?' },
 * ];
 * openai({ model: 'gpt-4o-mini' }).chat(conversation).subscribe((response) => console.log(response.text));
 * ```
 */
export interface ChatMessage {
  role: Role;
  content: string;
}

/**
 * How the model should shape its answer.
 *
 * @example
 * ```ts
 * import { openai, type ResponseFormat } from 'rxllm';
 * const responseFormat: ResponseFormat = {
 *   type: 'json_schema',
 *   name: 'city',
 *   schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
 * };
 * openai({ model: 'gpt-4o-mini' })
 *   .chat('What is the capital of Peru?', { responseFormat })
 *   .subscribe((response) => console.log(JSON.parse(response.text))); // { city: 'Lima' }
 * ```
 */
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
 *
 * @example
 * ```ts
 * import { openai, type ChatParams } from 'rxllm';
 * const params: ChatParams = { maxTokens: 200, temperature: 0, stop: ['\n\n'], extra: { logprobs: true } };
 * const model = openai({ model: 'gpt-4o-mini', params }); // defaults for every request of this model
 * model.chat('Name a prime.', { temperature: 0.7 }).subscribe((response) => console.log(response.text)); // per call
 * ```
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

/**
 * A full request: the messages plus per-request parameters.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, type ChatRequest } from 'rxllm';
 * const request: ChatRequest = {
 *   messages: [{ role: 'user', content: 'Write a limerick about queues.' }],
 *   params: { maxTokens: 120, temperature: 1 },
 * };
 * const [answer] = await parallelChat(openai({ model: 'gpt-4o-mini' }), [request]);
 * console.log(answer);
 * ```
 */
export interface ChatRequest {
  messages: ChatMessage[];
  params?: ChatParams;
}

/**
 * A prompt: one user message, a conversation, or a full request.
 *
 * @example
 * ```ts
 * import { openai, parallelChatText, type Prompt } from 'rxllm';
 * const prompts: Prompt[] = [
 *   'What is the capital of Peru?', // one user message
 *   [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is the capital of Chile?' }], // a conversation
 *   { messages: [{ role: 'user', content: 'What is the capital of Chad?' }], params: { maxTokens: 5 } }, // a full request
 * ];
 * console.log(await parallelChatText(openai({ model: 'gpt-4o-mini' }), prompts));
 * ```
 */
export type Prompt = string | ChatMessage[] | ChatRequest;

/**
 * Token usage reported by the server.
 *
 * @example
 * ```ts
 * import { costOf, openai, type Usage } from 'rxllm';
 * openai({ model: 'gpt-4o-mini' }).chat('Say hi.').subscribe((response) => {
 *   const usage: Usage = response.usage;
 *   console.log(usage.inputTokens, usage.outputTokens, costOf('openai/gpt-4o-mini', usage));
 * });
 * ```
 */
export interface Usage {
  /** Every input token, cached or not (for Anthropic: `input_tokens` + cache reads + cache writes). */
  inputTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** The part of `inputTokens` read from the provider's prompt cache, when the provider reports it. */
  cachedInputTokens?: number;
  /** The part of `inputTokens` written to the provider's prompt cache (Anthropic), when the provider reports it. */
  cacheWriteInputTokens?: number;
  /** The part of `outputTokens` the model spent reasoning (billed as output), when the provider reports it. */
  reasoningTokens?: number;
}

/**
 * Rate-limit state read from response headers (`x-ratelimit-*`, `anthropic-ratelimit-*`, `retry-after`).
 * Reset fields are durations in milliseconds from when the response was received.
 *
 * @example
 * ```ts
 * import { openai, rateLimiter, type RateLimitInfo } from 'rxllm';
 * const limiter = rateLimiter({ rpm: 500 });
 * openai({ model: 'gpt-4o-mini' }).chat('Say hi.').subscribe((response) => {
 *   const info: RateLimitInfo | undefined = response.rateLimit;
 *   console.log(info?.remainingRequests, info?.resetRequestsMs);
 *   limiter.observe(info); // pauses the limiter's users when a budget is at 0
 * });
 * ```
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

/**
 * One complete answer.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * import { openai, type ChatResponse } from 'rxllm';
 * const response: ChatResponse = await lastValueFrom(openai({ model: 'gpt-4o-mini' }).chat('Say hi.'));
 * console.log(response.text, response.finishReason, response.usage, response.model, response.requestId);
 * ```
 */
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

/**
 * One streamed piece of an answer.
 *
 * @example
 * ```ts
 * import { openai, type ChatChunk } from 'rxllm';
 * openai({ model: 'gpt-4o-mini' }).stream('Count to five.').subscribe((chunk: ChatChunk) => {
 *   process.stdout.write(chunk.text);
 *   if (chunk.usage !== undefined) console.log(`\n${chunk.finishReason}`, chunk.usage);
 * });
 * ```
 */
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

/**
 * The outcome of one prompt in a pipeline, tagged with its input index.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, openai, type ChatResult } from 'rxllm';
 * const describe = (result: ChatResult) =>
 *   result.ok
 *     ? `#${result.index}: ${result.response.text}`
 *     : `#${result.index} failed after ${result.attempts} attempt(s): ${result.error.message}`;
 * from(['Say hi.', 'Say hello.'])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' })))
 *   .subscribe((result) => console.log(describe(result)));
 * ```
 */
export type ChatResult =
  | { index: number; prompt: Prompt; ok: true; response: ChatResponse; attempts: number }
  | { index: number; prompt: Prompt; ok: false; error: LlmError; attempts: number };

/**
 * Retry policy for one prompt.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, openai, type RetryOptions } from 'rxllm';
 * const retry: RetryOptions = { maxRetries: 5, initialDelayMs: 1_000, maxDelayMs: 30_000 };
 * from(['Say hi.'])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' }), { retry }))
 *   .subscribe((result) => console.log(`${result.attempts} attempt(s)`));
 * ```
 */
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
