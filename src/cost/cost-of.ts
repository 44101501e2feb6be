import type { Usage } from '../types.js';
import { type ModelPrice, type PriceTable, type PriceTier, priceOf } from './model-prices.js';

/**
 * What a given token usage costs on a model, in US dollars, from the price table (`prices` first, then
 * `definePrices`, then the built-in table). Cache reads are priced at the cached-input rate, cache writes at the
 * cache-write rate (each at the input rate when the entry has none), the rest of the input at the input rate, and
 * every output token, reasoning included, at the output rate.
 *
 * @param modelId - A model name or `provider/model` id (a `ChatModel.id` or `ChatResponse.model`).
 * @param usage - Input and output tokens, with their cached, cache-write and reasoning parts.
 * @param prices - Price overrides consulted first.
 * @param tier - The service tier that served the request; a tier the entry has no rates for is priced at the standard rates. @defaultValue `'standard'`
 * @returns The cost in USD, or `undefined` when the model has no known price.
 *
 * @example
 * ```ts
 * import { costOf } from 'rxllm';
 * console.log(costOf('anthropic/claude-haiku-4-5', { inputTokens: 2_000_000, outputTokens: 100_000 })); // 2.5
 * console.log(costOf('claude-haiku-4-5', { inputTokens: 30_010, outputTokens: 500, cachedInputTokens: 30_000 })); // 0.00551
 * ```
 */
export function costOf(modelId: string, usage: Usage, prices?: PriceTable, tier: PriceTier = 'standard'): number | undefined {
  const price = priceOf(modelId, prices);
  return price === undefined ? undefined : priceUsage(price, usage, tier);
}

/**
 * The cost of `usage` at `price`, in USD (see `costOf`). The cached and cache-write parts are capped so that they
 * never exceed the input total together.
 */
export function priceUsage(price: ModelPrice, usage: Usage, tier: PriceTier = 'standard'): number {
  const rates = (tier === 'standard' ? undefined : price[tier]) ?? price;
  const input = usage.inputTokens;
  const cached = Math.min(usage.cachedInputTokens ?? 0, input);
  const written = Math.min(usage.cacheWriteInputTokens ?? 0, input - cached);
  return (
    ((input - cached - written) * rates.inputPerMillion +
      cached * (rates.cachedInputPerMillion ?? rates.inputPerMillion) +
      written * (rates.cacheWritePerMillion ?? rates.inputPerMillion) +
      usage.outputTokens * rates.outputPerMillion) /
    1_000_000
  );
}
