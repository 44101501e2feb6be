import { estimateInputTokens } from './estimate-tokens.js';
import type { ChatMessage, ChatParams, Usage } from '../types.js';

/**
 * The output-token allowance assumed for a request that sets no `maxTokens` when the adapter sends none either: what
 * limiters, budgets and `estimateCost` reserve (an adapter that always sends one, as Anthropic's `max_tokens`, puts it
 * in the model's params, so they see that instead).
 */
export const DEFAULT_OUTPUT_TOKENS = 1024;

/** The part of a request that its worst-case usage depends on. */
export interface UsageRequest {
  messages: readonly ChatMessage[];
  params?: Pick<ChatParams, 'maxTokens' | 'serviceTier'>;
}

/**
 * The most tokens a request can use: its estimated input (times `inputMargin`) plus its `maxTokens`
 * (or `defaultOutputTokens` when it sets none).
 */
export function worstCaseUsage(request: UsageRequest, defaultOutputTokens = DEFAULT_OUTPUT_TOKENS, inputMargin = 1): Usage {
  return {
    inputTokens: Math.ceil(estimateInputTokens(request.messages) * inputMargin),
    outputTokens: request.params?.maxTokens ?? defaultOutputTokens,
  };
}
