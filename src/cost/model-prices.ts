import { z } from 'zod';
import { validateOptions } from '../internal/validate-options.js';

/**
 * What one model costs, in US dollars per million tokens.
 *
 * @example
 * ```ts
 * import { costOf, type ModelPrice } from 'rxllm';
 * const price: ModelPrice = { inputPerMillion: 0.2, outputPerMillion: 0.6 };
 * console.log(costOf('my-model', { inputTokens: 1_000_000, outputTokens: 500_000 }, { 'my-model': price })); // 0.5
 * ```
 */
export interface ModelPrice {
  /** USD per million input (prompt) tokens. */
  inputPerMillion: number;
  /** USD per million output (completion) tokens. */
  outputPerMillion: number;
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
 * Built-in list prices (standard tier, no caching or batch discount), USD per million tokens, as of
 * {@link PRICES_AS_OF}. Sources: Anthropic's pricing page (platform.claude.com/docs/about-claude/pricing) and the
 * OpenAI rates published on developers.openai.com/api/docs/pricing. Prices change: check them, and override or
 * extend this table with `definePrices()` or a `prices` option. rxllm never downloads prices.
 *
 * A model id matches an entry when it equals the key or starts with the key followed by `-`, `@` or `:`
 * (so `claude-3-5-haiku-20241022` and `gpt-4o-mini-2024-07-18` are found); the longest key wins.
 *
 * @example
 * ```ts
 * import { DEFAULT_PRICES } from 'rxllm';
 * console.log(DEFAULT_PRICES['gpt-4o-mini']); // { inputPerMillion: 0.15, outputPerMillion: 0.6 }
 * console.log(Object.keys(DEFAULT_PRICES).length, 'models priced');
 * ```
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  // OpenAI
  'gpt-5.2': price(1.75, 14),
  'gpt-5.1': price(1.25, 10),
  'gpt-5': price(1.25, 10),
  'gpt-5-mini': price(0.25, 2),
  'gpt-5-nano': price(0.05, 0.4),
  'gpt-5-pro': price(15, 120),
  'gpt-4.1': price(2, 8),
  'gpt-4.1-mini': price(0.4, 1.6),
  'gpt-4.1-nano': price(0.1, 0.4),
  'gpt-4o': price(2.5, 10),
  'gpt-4o-mini': price(0.15, 0.6),
  'gpt-4-turbo': price(10, 30),
  'gpt-3.5-turbo': price(0.5, 1.5),
  o1: price(15, 60),
  'o1-mini': price(1.1, 4.4),
  'o1-pro': price(150, 600),
  o3: price(2, 8),
  'o3-pro': price(20, 80),
  'o3-mini': price(1.1, 4.4),
  'o4-mini': price(1.1, 4.4),
  // Anthropic
  'claude-opus-4-6': price(5, 25),
  'claude-opus-4-5': price(5, 25),
  'claude-opus-4-1': price(15, 75),
  'claude-opus-4-0': price(15, 75),
  'claude-opus-4-20250514': price(15, 75),
  'claude-sonnet-4-6': price(3, 15),
  'claude-sonnet-4-5': price(3, 15),
  'claude-sonnet-4-0': price(3, 15),
  'claude-sonnet-4-20250514': price(3, 15),
  'claude-3-7-sonnet': price(3, 15),
  'claude-3-5-sonnet': price(3, 15),
  'claude-haiku-4-5': price(1, 5),
  'claude-3-5-haiku': price(0.8, 4),
  'claude-3-opus': price(15, 75),
  'claude-3-haiku': price(0.25, 1.25),
});

const priceSchema = z.strictObject({
  inputPerMillion: z.number().nonnegative().finite(),
  outputPerMillion: z.number().nonnegative().finite(),
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
 * console.log(priceOf('openai/gpt-4o-mini-2024-07-18')); // { inputPerMillion: 0.15, outputPerMillion: 0.6 }
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

function price(inputPerMillion: number, outputPerMillion: number): ModelPrice {
  return Object.freeze({ inputPerMillion, outputPerMillion });
}
