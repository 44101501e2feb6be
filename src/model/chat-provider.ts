import type { Observable } from 'rxjs';
import type { BatchProvider } from './batch-provider.js';
import type { ChatChunk, ChatParams, ChatResponse, Prompt, ProviderRequest, RetryOptions, Usage } from '../types.js';

/**
 * The contract every provider adapter meets: a plain object whose methods make **one attempt**, with no retries.
 * Both return cold Observables: subscribing sends the request, unsubscribing aborts its socket.
 * Failures are `LlmError`s; rate-limit headers ride on `ChatResponse.rateLimit` / the first `ChatChunk`.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { customModel, parallelChatText, type ChatProvider, type ProviderRequest } from 'rxllm';
 * // A provider of your own (here an echo, for tests): single attempts, cold Observables.
 * const lastText = (request: ProviderRequest): string => {
 *   const content = request.messages.at(-1)?.content ?? '';
 *   return typeof content === 'string' ? content : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
 * };
 * const echo: ChatProvider = {
 *   id: 'echo',
 *   supportsPrefill: false,
 *   chat: (request) => of({ text: lastText(request), finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 }, model: request.model, raw: null }),
 *   stream: (request) => of({ text: lastText(request) }, { text: '', finishReason: 'stop' }),
 * };
 * console.log(await parallelChatText(customModel(echo, { model: 'echo-1' }), ['Hi', 'Hello'])); // ['Hi', 'Hello']
 * ```
 */
export interface ChatProvider {
  /** Provider id: `openai`, `anthropic`, `groq`, … */
  readonly id: string;
  /**
   * One request, one `ChatResponse`, then completion once the request is over. A pipeline delivers the response at
   * once and frees the prompt's `maxActive` slot at completion (the built-in providers complete when their socket
   * can take the next request), so an Observable that never completes holds its slot.
   */
  chat(request: ProviderRequest): Observable<ChatResponse>;
  /** One streamed request: text deltas, then a final chunk with `usage` and `finishReason`, then completion. */
  stream(request: ProviderRequest): Observable<ChatChunk>;
  /** True when an assistant message at the end of `messages` is continued (prefill), used by `resumeStreams`. */
  readonly supportsPrefill: boolean;
  /** The provider's batch API (half price, up to 24 h), used by `batchChat`; absent when it has none. */
  readonly batch?: BatchProvider;
  /** Releases pooled sockets. Optional; idle sockets also close on their own. */
  close?(): Promise<void>;
  /**
   * The tokens of an answer's `usage` that count against the provider's tokens-per-minute limit, used to correct the
   * `tpm` limiter's estimate (Anthropic does not count cache reads for most models). Optional.
   * @defaultValue all input and output tokens
   */
  limitedTokens?(usage: Usage, model: string): number;
}

/**
 * A model bound to a provider, as returned by `openai()`, `anthropic()` and `chatModel()`.
 * `chat` and `stream` retry per `retry`; pipelines use `provider` directly so that every attempt passes the limiter.
 *
 * @example
 * ```ts
 * import { anthropic, openai, type ChatModel } from 'rxllm';
 * const models: ChatModel[] = [openai({ model: 'gpt-4o-mini' }), anthropic({ model: 'claude-haiku-4-5' })];
 * for (const model of models) model.chat('Say hi.').subscribe((response) => console.log(model.id, response.text));
 * ```
 */
export interface ChatModel {
  /** `provider/model`, e.g. `openai/gpt-4o-mini`. */
  readonly id: string;
  readonly model: string;
  readonly provider: ChatProvider;
  /** Default generation parameters from the factory. */
  readonly params: ChatParams;
  /** Retry policy used by `chat` and `stream`, and by pipelines unless they set their own. */
  readonly retry: RetryOptions;
  /** One prompt, one answer, retried on retryable errors. Cold: nothing is sent before subscription. */
  chat(prompt: Prompt, params?: ChatParams): Observable<ChatResponse>;
  /** One prompt streamed as `ChatChunk`s, retried only before the first chunk. */
  stream(prompt: Prompt, params?: ChatParams): Observable<ChatChunk>;
  /** Validates a prompt and merges parameters (factory, then `params`, then the prompt's own). Throws `InvalidOptionsError`. */
  resolve(prompt: Prompt, params?: ChatParams, label?: string): ProviderRequest;
}
