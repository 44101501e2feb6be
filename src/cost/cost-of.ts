import type { Usage } from '../types.js';
import { type ModelPrice, type PriceTable, priceOf } from './model-prices.js';

/**
 * What a given token usage costs on a model, in US dollars, from the price table (`prices` first, then
 * `definePrices`, then the built-in table).
 *
 * @param modelId - A model name or `provider/model` id (a `ChatModel.id` or `ChatResponse.model`).
 * @param usage - Input and output tokens.
 * @param prices - Price overrides consulted first.
 * @returns The cost in USD, or `undefined` when the model has no known price.
 *
 * @example
 * ```ts
 * import { costOf } from 'rxllm';
 * console.log(costOf('anthropic/claude-haiku-4-5', { inputTokens: 2_000_000, outputTokens: 100_000 })); // 2.5
 * ```
 */
export function costOf(modelId: string, usage: Usage, prices?: PriceTable): number | undefined {
  const price = priceOf(modelId, prices);
  return price === undefined ? undefined : priceUsage(price, usage);
}

/** The cost of `usage` at `price`, in USD. */
export function priceUsage(price: ModelPrice, usage: Usage): number {
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}
