import { z } from 'zod';
import { compact } from '../internal/compact.js';
import { validateOptions } from '../internal/validate-options.js';

/**
 * The rates of one model at one service tier, in US dollars per million tokens.
 *
 * @example
 * ```ts
 * import { costOf, type TierPrice } from 'rxllm';
 * const batch: TierPrice = { inputPerMillion: 0.1, outputPerMillion: 0.3 };
 * const prices = { 'my-model': { inputPerMillion: 0.2, outputPerMillion: 0.6, batch } };
 * console.log(costOf('my-model', { inputTokens: 1_000_000, outputTokens: 0 }, prices, 'batch')); // 0.1
 * ```
 */
export interface TierPrice {
  /** USD per million input (prompt) tokens that were neither read from nor written to a prompt cache. */
  inputPerMillion: number;
  /** USD per million output (completion) tokens, reasoning tokens included. */
  outputPerMillion: number;
  /** USD per million input tokens read from the prompt cache. @defaultValue `inputPerMillion` */
  cachedInputPerMillion?: number;
  /** USD per million input tokens written to the prompt cache (Anthropic's 5-minute write). @defaultValue `inputPerMillion` */
  cacheWritePerMillion?: number;
}

/**
 * A service tier with its own rates: `'standard'` (the entry's own rates), the Batch API, or a capacity tier.
 *
 * @example
 * ```ts
 * import { costOf, type PriceTier } from 'rxllm';
 * const tier: PriceTier = 'batch';
 * console.log(costOf('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 0 }, undefined, tier)); // 0.075
 * ```
 */
export type PriceTier = 'standard' | 'batch' | 'flex' | 'priority';

/**
 * What one model costs, in US dollars per million tokens: the standard rates, and optionally the rates of other
 * tiers (a tier without an entry is priced at the standard rates).
 *
 * @example
 * ```ts
 * import { costOf, type ModelPrice } from 'rxllm';
 * const price: ModelPrice = { inputPerMillion: 0.2, outputPerMillion: 0.6, cachedInputPerMillion: 0.02 };
 * console.log(costOf('my-model', { inputTokens: 1_000_000, outputTokens: 500_000 }, { 'my-model': price })); // 0.5
 * ```
 */
export interface ModelPrice extends TierPrice {
  /** Batch API rates. */
  batch?: TierPrice;
  /** Flex processing rates (OpenAI prices flex at its Batch API rates). */
  flex?: TierPrice;
  /** Priority processing rates. */
  priority?: TierPrice;
}

/**
 * Prices by model id (`gpt-4o-mini`, `claude-haiku-4-5`, or a full `provider/model` id).
 *
 * @example
 * ```ts
 * import { estimateCost, openai, type PriceTable } from 'rxllm';
 * const prices: PriceTable = { 'llama3.2': { inputPerMillion: 0, outputPerMillion: 0 } }; // a local model costs nothing
 * const local = openai({ model: 'llama3.2', baseURL: 'http://127.0.0.1:11434/v1' });
 * console.log(estimateCost(local, ['Say hi.'], {}, { prices }).maxCost); // 0
 * ```
 */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * The date the built-in price table was checked against the providers' public pricing pages.
 *
 * @example
 * ```ts
 * import { PRICES_AS_OF } from 'rxllm';
 * console.log(`built-in prices checked on ${PRICES_AS_OF}; override them with definePrices() if they changed`);
 * ```
 */
export const PRICES_AS_OF = '2026-11-22';

/**
 * Built-in list prices, USD per million tokens, as of {@link PRICES_AS_OF}: standard rates, prompt-cache rates where
 * known, and Batch API rates (half the standard input and output rates for both providers). Prices change: check
 * them, and override or extend this table with `definePrices()` or a `prices` option. rxllm never downloads prices.
 *
 * A model id matches an entry when it equals the key or starts with the key followed by `-`, `@` or `:`
 * (so `claude-3-5-haiku-20241022` and `gpt-4o-mini-2024-07-18` are found); the longest key wins.
 *
 * @example
 * ```ts
 * import { DEFAULT_PRICES } from 'rxllm';
 * console.log(DEFAULT_PRICES['gpt-4o-mini']?.cachedInputPerMillion); // 0.075
 * console.log(Object.keys(DEFAULT_PRICES).length, 'models priced');
 * ```
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  // OpenAI: standard rates from developers.openai.com/api/docs/pricing. Cached-input rates where a source was found:
  // gpt-5.1 and gpt-5-nano from their pages under developers.openai.com/api/docs/models/ (one tenth of input, the
  // GPT-5 family's ratio, which gpt-5 is given too); gpt-5.2, gpt-5-mini and gpt-4.1 from GitHub's docs
  // (github/docs data/tables/copilot/models-and-pricing.yml, OpenAI's rates); gpt-4o, gpt-4o-mini and o1 as quoted from
  // openai.com/api/pricing by the openai-models crate (docs.rs); o4-mini from platform.openai.com/docs/models/o4-mini
  // as quoted in RooCodeInc/Roo-Code PR 2691. The others have none here: their cached tokens are priced as input.
  // Flex: OpenAI prices it at Batch API rates; given to gpt-5 only, the model LiteLLM's cost map lists flex for
  // (see REAL-WORLD notes: which models have flex changes over time).
  'gpt-5.2': openAI(1.75, 14, 0.175),
  'gpt-5.1': openAI(1.25, 10, 0.125),
  'gpt-5': openAI(1.25, 10, 0.125, { flex: true }),
  'gpt-5-mini': openAI(0.25, 2, 0.025),
  'gpt-5-nano': openAI(0.05, 0.4, 0.005),
  'gpt-5-pro': openAI(15, 120),
  'gpt-4.1': openAI(2, 8, 0.5),
  'gpt-4.1-mini': openAI(0.4, 1.6),
  'gpt-4.1-nano': openAI(0.1, 0.4),
  'gpt-4o': openAI(2.5, 10, 1.25),
  'gpt-4o-mini': openAI(0.15, 0.6, 0.075),
  'gpt-4-turbo': openAI(10, 30),
  'gpt-3.5-turbo': openAI(0.5, 1.5),
  o1: openAI(15, 60, 7.5),
  'o1-mini': openAI(1.1, 4.4),
  'o1-pro': openAI(150, 600),
  o3: openAI(2, 8),
  'o3-pro': openAI(20, 80),
  'o3-mini': openAI(1.1, 4.4),
  'o4-mini': openAI(1.1, 4.4, 0.275),
  // Anthropic: docs.anthropic.com/en/docs/about-claude/pricing, "Model pricing" (base input, 5-minute cache writes,
  // cache hits, output) and "Batch processing" (half of input and output). Its multipliers: a 5-minute write is
  // 1.25x input, a cache hit 0.1x (Claude Haiku 3: $0.30 and $0.03, as listed). A 1-hour write (2x) cannot be told
  // apart in the usage totals and is priced as a 5-minute one.
  'claude-opus-4-6': claude(5, 25, 6.25, 0.5),
  'claude-opus-4-5': claude(5, 25, 6.25, 0.5),
  'claude-opus-4-1': claude(15, 75, 18.75, 1.5),
  'claude-opus-4-0': claude(15, 75, 18.75, 1.5),
  'claude-opus-4-20250514': claude(15, 75, 18.75, 1.5),
  'claude-sonnet-4-6': claude(3, 15, 3.75, 0.3),
  'claude-sonnet-4-5': claude(3, 15, 3.75, 0.3),
  'claude-sonnet-4-0': claude(3, 15, 3.75, 0.3),
  'claude-sonnet-4-20250514': claude(3, 15, 3.75, 0.3),
  'claude-3-7-sonnet': claude(3, 15, 3.75, 0.3),
  'claude-3-5-sonnet': claude(3, 15, 3.75, 0.3),
  'claude-haiku-4-5': claude(1, 5, 1.25, 0.1),
  'claude-3-5-haiku': claude(0.8, 4, 1, 0.08),
  'claude-3-opus': claude(15, 75, 18.75, 1.5),
  'claude-3-haiku': claude(0.25, 1.25, 0.3, 0.03),
});

const rate = z.number().nonnegative().finite();
const tierPriceSchema = z.strictObject({
  inputPerMillion: rate,
  outputPerMillion: rate,
  cachedInputPerMillion: rate.optional(),
  cacheWritePerMillion: rate.optional(),
});
const priceSchema = tierPriceSchema.extend({
  batch: tierPriceSchema.optional(),
  flex: tierPriceSchema.optional(),
  priority: tierPriceSchema.optional(),
});

const priceTableSchema = z.record(z.string().min(1), priceSchema);

/** Prices added with `definePrices`, consulted before the built-in table. */
const userPrices: Record<string, ModelPrice> = {};

/**
 * Adds or overrides prices for every later cost computation in this process (`costOf`, `estimateCost`,
 * budgets). A `prices` option passed to one of those still wins over these. Throws `InvalidOptionsError` for
 * a negative or missing figure.
 *
 * @param prices - Prices by model id (bare, like `my-model`, or `provider/model`).
 *
 * @example
 * ```ts
 * import { definePrices, costOf } from 'rxllm';
 * definePrices({ 'llama-3-70b': { inputPerMillion: 0.59, outputPerMillion: 0.79 } });
 * console.log(costOf('groq/llama-3-70b', { inputTokens: 1_000_000, outputTokens: 0 })); // 0.59
 * ```
 */
export function definePrices(prices: Record<string, ModelPrice>): void {
  Object.assign(userPrices, validatePrices(prices, 'definePrices() prices'));
}

/**
 * Finds the price of a model: first in `prices`, then in prices added with `definePrices`, then in the built-in
 * table. The id may carry provider prefixes (`anthropic/claude-haiku-4-5`, `openrouter/openai/gpt-4o`): the full id is
 * tried first, then without each leading segment in turn; dated or suffixed ids match their base entry (longest key wins).
 *
 * @param modelId - A model name or `provider/model` id.
 * @param prices - Overrides consulted first.
 * @returns The price, or `undefined` when no table knows the model.
 *
 * @example
 * ```ts
 * import { priceOf } from 'rxllm';
 * console.log(priceOf('openai/gpt-4o-mini-2024-07-18')?.inputPerMillion); // 0.15
 * ```
 */
export function priceOf(modelId: string, prices?: PriceTable): ModelPrice | undefined {
  const candidates = [modelId];
  for (let slash = modelId.indexOf('/'); slash >= 0; slash = modelId.indexOf('/', slash + 1)) {
    candidates.push(modelId.slice(slash + 1));
  }
  for (const table of [prices, userPrices, DEFAULT_PRICES]) {
    if (table === undefined) continue;
    for (const candidate of candidates) {
      const found = lookup(table, candidate);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Validates a user price table; throws `InvalidOptionsError` naming the bad entry. */
export function validatePrices(prices: unknown, label: string): Record<string, ModelPrice> {
  return validateOptions(priceTableSchema, prices, label);
}

function lookup(table: PriceTable, id: string): ModelPrice | undefined {
  const exact = Object.hasOwn(table, id) ? table[id] : undefined;
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (id.length > key.length && id.startsWith(key) && '-@:'.includes(id[key.length]!) && (best === undefined || key.length > best.length)) {
      best = key;
    }
  }
  return best === undefined ? undefined : table[best];
}

/** An OpenAI entry: standard rates, the cached-input rate if known, Batch API rates at half, flex at batch rates. */
function openAI(inputPerMillion: number, outputPerMillion: number, cachedInputPerMillion?: number, { flex = false } = {}): ModelPrice {
  const batch: TierPrice = Object.freeze({ inputPerMillion: inputPerMillion / 2, outputPerMillion: outputPerMillion / 2 });
  return Object.freeze(compact({ inputPerMillion, outputPerMillion, cachedInputPerMillion, batch, flex: flex ? batch : undefined }));
}

/** An Anthropic entry: standard, cache-write and cache-read rates, Batch API rates at half. */
function claude(inputPerMillion: number, outputPerMillion: number, cacheWritePerMillion: number, cachedInputPerMillion: number): ModelPrice {
  const batch: TierPrice = Object.freeze({ inputPerMillion: inputPerMillion / 2, outputPerMillion: outputPerMillion / 2 });
  return Object.freeze({ inputPerMillion, outputPerMillion, cachedInputPerMillion, cacheWritePerMillion, batch });
}
