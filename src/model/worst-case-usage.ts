import { estimateInputTokens } from './estimate-tokens.js';
import type { ChatMessage, ChatParams, Usage } from '../types.js';

/** Output allowance assumed for a request that sets no `maxTokens`. */
export const DEFAULT_OUTPUT_ALLOWANCE = 4096;

/** The part of a request that its worst-case usage depends on. */
export interface UsageRequest {
  messages: readonly ChatMessage[];
  params?: Pick<ChatParams, 'maxTokens'>;
}

/**
 * The most tokens a request can use: its estimated input (times `inputMargin`) plus its `maxTokens`
 * (or `defaultMaxTokens` when it sets none).
 */
export function worstCaseUsage(request: UsageRequest, defaultMaxTokens = DEFAULT_OUTPUT_ALLOWANCE, inputMargin = 1): Usage {
  return {
    inputTokens: Math.ceil(estimateInputTokens(request.messages) * inputMargin),
    outputTokens: request.params?.maxTokens ?? defaultMaxTokens,
  };
}
