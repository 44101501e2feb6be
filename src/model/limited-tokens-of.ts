import type { Usage } from '../types.js';
import type { ChatProvider } from './chat-provider.js';

/**
 * The tokens of `usage` that count against `provider`'s tokens-per-minute limit: what the provider says
 * (`ChatProvider.limitedTokens`), else every input and output token. The pipelines settle `tpm` reservations with it.
 *
 * @param provider - The provider that answered.
 * @param usage - The answer's usage.
 * @param model - The model the request named.
 * @returns A token count.
 *
 * @example
 * ```ts
 * limitedTokensOf(provider, { inputTokens: 30_010, outputTokens: 500, cachedInputTokens: 30_000 }, 'claude-haiku-4-5'); // 510 for Anthropic
 * ```
 */
export function limitedTokensOf(provider: ChatProvider, usage: Usage, model: string): number {
  return provider.limitedTokens?.(usage, model) ?? usage.inputTokens + usage.outputTokens;
}
