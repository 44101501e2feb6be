import type { Usage } from '../../types.js';

/**
 * The tokens of an Anthropic answer that count against its input- and output-token limits. Anthropic's rate-limits
 * page (docs.anthropic.com/en/api/rate-limits): for most models only uncached input counts towards ITPM —
 * `input_tokens` and cache writes, not cache reads; the models it marks with a dagger, the Claude 3.x generation
 * (`claude-3-…`), count cache reads too. (Read as quoted by hivebook.wiki/wiki/anthropic-api-rate-limits and
 * claudedigest.com's rate-limits tutorial; the page itself was not in the corpus.)
 *
 * @param usage - The answer's usage (`inputTokens` includes the cache reads and writes).
 * @param model - The requested model.
 * @returns The tokens the limits count.
 *
 * @example
 * ```ts
 * anthropicLimitedTokens({ inputTokens: 30_010, outputTokens: 500, cachedInputTokens: 30_000 }, 'claude-haiku-4-5'); // 510
 * ```
 */
export function anthropicLimitedTokens(usage: Usage, model: string): number {
  const all = usage.inputTokens + usage.outputTokens;
  return countsCacheReads(model) ? all : all - Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
}

function countsCacheReads(model: string): boolean {
  return model.startsWith('claude-3-');
}
