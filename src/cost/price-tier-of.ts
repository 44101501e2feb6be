import type { PriceTier } from './model-prices.js';

/**
 * The price tier of a service tier word, as a request asks for it (`params.serviceTier`) or a response reports it
 * (`ChatResponse.serviceTier`): `flex`, `priority` and `batch` have their own rates; every other word (`default`,
 * `auto`, `scale`, Groq `on_demand`, Anthropic `standard`…) and none are the standard rates. A model without rates for
 * the tier is priced at its standard ones (Groq prices flex as on-demand).
 *
 * @param serviceTier - The tier word, if any.
 * @returns The `PriceTier` for `costOf`.
 *
 * @example
 * ```ts
 * import { costOf, priceTierOf } from 'rxllm';
 * const usage = { inputTokens: 1_000_000, outputTokens: 0 };
 * console.log(costOf('gpt-5', usage, undefined, priceTierOf('flex'))); // 0.625, the Batch API rate
 * ```
 */
export function priceTierOf(serviceTier: string | undefined): PriceTier {
  return serviceTier === 'flex' || serviceTier === 'priority' || serviceTier === 'batch' ? serviceTier : 'standard';
}
