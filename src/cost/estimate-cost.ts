import { z } from 'zod';
import type { ChatModel } from '../model/chat-provider.js';
import type { ChatParams, Prompt } from '../types.js';
import { validateOptions } from '../internal/validate-options.js';
import { priceUsage } from './cost-of.js';
import { priceTierOf } from './price-tier-of.js';
import { type PriceTable, priceOf, validatePrices } from './model-prices.js';
import { DEFAULT_OUTPUT_TOKENS, worstCaseUsage } from '../model/worst-case-usage.js';

/**
 * Options of `estimateCost`.
 *
 * @example
 * ```ts
 * import { estimateCost, openai, type EstimateCostOptions } from 'rxllm';
 * const options: EstimateCostOptions = {
 *   expectedOutputTokens: 120,
 *   prices: { 'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
 * };
 * console.log(estimateCost(openai({ model: 'gpt-4o-mini' }), ['Summarise: …', 'Translate: …'], { maxTokens: 500 }, options));
 * ```
 */
export interface EstimateCostOptions {
  /** Price overrides consulted before `definePrices` and the built-in table. */
  prices?: PriceTable;
  /**
   * Output tokens assumed for a request that sets no `maxTokens`: the same allowance pipelines reserve from the
   * limiter (`defaultOutputTokens` there). A model whose adapter always sends one (Anthropic: its `maxTokens`, 4096) carries
   * it in its params, so this applies only where the provider's own default is unknown. @defaultValue `1024`
   */
  defaultOutputTokens?: number;
  /**
   * Output tokens expected per request for the `expected` figures (a guess: answers are usually much shorter than
   * `maxTokens`). Capped at each request's `maxTokens`. @defaultValue `256`
   */
  expectedOutputTokens?: number;
  /** Price the run at the model's batch rate (what `batchChat` pays), where the price table has one. @defaultValue `false` */
  batch?: boolean;
  /**
   * Price the run at this service tier's rates (`'flex'`, `'priority'`, …; see `priceTierOf`), whatever the requests
   * ask for. @defaultValue each request's own `params.serviceTier` (standard rates when it sets none)
   */
  serviceTier?: string;
}

/**
 * A run's cost before it starts. Costs are `undefined` when a model has no price (see `unpricedModels`).
 *
 * @example
 * ```ts
 * import { estimateCost, openai, type CostEstimate } from 'rxllm';
 * const estimate: CostEstimate = estimateCost(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.'], { maxTokens: 100 });
 * if (estimate.maxCost === undefined) console.log('no price for', estimate.unpricedModels);
 * else console.log(`${estimate.requests} requests: at most $${estimate.maxCost.toFixed(6)}`);
 * ```
 */
export interface CostEstimate {
  requests: number;
  /** Estimated input tokens (`estimateInputTokens`: script-aware, an upper estimate). */
  inputTokens: number;
  /** Sum of the requests' `maxTokens`: the most the run can write. */
  maxOutputTokens: number;
  /** Output tokens if each answer has `expectedOutputTokens`. */
  expectedOutputTokens: number;
  /** USD if every answer used its whole `maxTokens`: the worst case a budget reserves. */
  maxCost: number | undefined;
  /** USD at `expectedOutputTokens` per answer. */
  expectedCost: number | undefined;
  /** `provider/model` ids that have no price. */
  unpricedModels: string[];
}

const optionsSchema = z.strictObject({
  prices: z.unknown().optional(),
  defaultOutputTokens: z.number().int().nonnegative().optional(),
  expectedOutputTokens: z.number().int().nonnegative().optional(),
  batch: z.boolean().optional(),
  serviceTier: z.string().min(1).optional(),
});

/**
 * Prices a run before it starts: each prompt is resolved against the model's defaults and `params` (so
 * per-prompt `maxTokens` and `model` count), its input estimated by `estimateInputTokens` (script-aware, an upper estimate), and its
 * output taken as `maxTokens` (worst case) or `expectedOutputTokens` (expected case), at the standard rate or, with
 * `batch: true`, the batch rate. Sends nothing. Throws
 * `InvalidOptionsError` for an invalid prompt or option, naming it.
 *
 * @param model - The model the run will use.
 * @param prompts - The run's prompts (read once).
 * @param params - Parameters the run will pass (as `chatEach`/`parallelChat` would).
 * @param options - Price overrides and output assumptions.
 * @returns Token counts and USD figures.
 *
 * @example
 * ```ts
 * import { anthropic, estimateCost } from 'rxllm';
 * const model = anthropic({ model: 'claude-haiku-4-5' });
 * const estimate = estimateCost(model, ['Summarise: …', 'Translate: …'], { maxTokens: 300 });
 * console.log(`at most $${estimate.maxCost}, expected $${estimate.expectedCost}`);
 * ```
 */
export function estimateCost(
  model: ChatModel,
  prompts: Iterable<Prompt>,
  params?: ChatParams,
  options: EstimateCostOptions = {},
): CostEstimate {
  const parsed = validateOptions(optionsSchema, options, 'estimateCost() options');
  const prices = parsed.prices === undefined ? undefined : validatePrices(parsed.prices, 'estimateCost() options.prices');
  const { defaultOutputTokens = DEFAULT_OUTPUT_TOKENS, expectedOutputTokens = 256 } = parsed;
  const estimate: CostEstimate = {
    requests: 0,
    inputTokens: 0,
    maxOutputTokens: 0,
    expectedOutputTokens: 0,
    maxCost: 0,
    expectedCost: 0,
    unpricedModels: [],
  };
  let index = 0;
  for (const prompt of prompts) {
    const request = model.resolve(prompt, params, `prompts[${index}]`);
    index += 1;
    const worst = worstCaseUsage(request, defaultOutputTokens);
    const expected = { inputTokens: worst.inputTokens, outputTokens: Math.min(worst.outputTokens, expectedOutputTokens) };
    estimate.requests += 1;
    estimate.inputTokens += worst.inputTokens;
    estimate.maxOutputTokens += worst.outputTokens;
    estimate.expectedOutputTokens += expected.outputTokens;
    const modelId = `${model.provider.id}/${request.model}`;
    const price = priceOf(modelId, prices);
    if (price === undefined) {
      if (!estimate.unpricedModels.includes(modelId)) estimate.unpricedModels.push(modelId);
      continue;
    }
    const tier = parsed.batch === true ? 'batch' : priceTierOf(parsed.serviceTier ?? request.params.serviceTier);
    estimate.maxCost! += priceUsage(price, worst, tier);
    estimate.expectedCost! += priceUsage(price, expected, tier);
  }
  if (estimate.unpricedModels.length > 0) {
    estimate.maxCost = undefined;
    estimate.expectedCost = undefined;
  }
  return estimate;
}
