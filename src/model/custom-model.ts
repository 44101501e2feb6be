import { defer, type Observable, type SchedulerLike } from 'rxjs';
import { markStreamInterruption } from './mark-stream-interruption.js';
import { retryWithBackoff } from './retry-with-backoff.js';
import type { ChatModel, ChatProvider } from './chat-provider.js';
import { resolvePrompt } from './resolve-prompt.js';
import type { ChatChunk, ChatParams, ChatResponse, Prompt, RetryOptions } from '../types.js';

/**
 * Settings shared by every model factory.
 *
 * @example
 * ```ts
 * import { customModel, openai, type CustomModelOptions } from 'rxllm';
 * const settings: CustomModelOptions = { model: 'gpt-4o', params: { temperature: 0 }, retry: { maxRetries: 5 } };
 * const careful = customModel(openai({ model: 'gpt-4o-mini' }).provider, settings);
 * console.log(careful.id); // openai/gpt-4o
 * ```
 */
export interface CustomModelOptions {
  model: string;
  /** Default generation parameters. */
  params?: ChatParams;
  /** Retry policy of `chat` and `stream`. */
  retry?: RetryOptions;
  /** Clock for retry waits. @defaultValue `asyncScheduler` */
  scheduler?: SchedulerLike;
}

/**
 * Binds a provider adapter to a model name, default parameters and a retry policy, giving the `ChatModel`
 * that `openai()`, `anthropic()` and `chatModel()` return.
 *
 * @param provider - The adapter that makes single attempts.
 * @param settings - Model name, default params and retry policy.
 * @returns A `ChatModel` whose `chat` and `stream` are cold and retried.
 *
 * @example
 * ```ts
 * import { customModel, openai } from 'rxllm';
 * const base = openai({ model: 'gpt-4o-mini' });
 * const careful = customModel(base.provider, { model: 'gpt-4o', params: { temperature: 0 }, retry: { maxRetries: 5 } });
 * careful.chat('Name a prime.').subscribe((r) => console.log(r.text));
 * ```
 */
export function customModel(provider: ChatProvider, settings: CustomModelOptions): ChatModel {
  const { model, params = {}, retry = {}, scheduler } = settings;
  const retryOptions = scheduler === undefined ? retry : { ...retry, scheduler };
  const resolve = (prompt: Prompt, callParams?: ChatParams, label?: string) =>
    resolvePrompt(prompt, model, [params, callParams], label);
  return {
    id: `${provider.id}/${model}`,
    model,
    provider,
    params,
    retry,
    resolve,
    chat: (prompt: Prompt, callParams?: ChatParams): Observable<ChatResponse> =>
      defer(() => provider.chat(resolve(prompt, callParams))).pipe(retryWithBackoff(retryOptions)),
    stream: (prompt: Prompt, callParams?: ChatParams): Observable<ChatChunk> =>
      defer(() => provider.stream(resolve(prompt, callParams))).pipe(
        markStreamInterruption(provider.id),
        retryWithBackoff(retryOptions),
      ),
  };
}
