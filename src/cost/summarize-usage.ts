import type { LlmError } from '../errors/llm-error.js';
import type { ChatResponse, ChatResult, StructuredResult, Usage } from '../types.js';
import { priceUsage } from './cost-of.js';
import { priceTierOf } from './price-tier-of.js';
import { type PriceTable, priceOf } from './model-prices.js';

/**
 * Totals for one model in a `UsageSummary`.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, summarizeUsage, type ModelUsage } from 'rxllm';
 * const { byModel } = summarizeUsage(await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.']));
 * const rows: Array<[string, ModelUsage]> = Object.entries(byModel);
 * for (const [model, usage] of rows) console.log(model, usage.requests, usage.inputTokens, usage.outputTokens, usage.cost);
 * ```
 */
export interface ModelUsage {
  requests: number;
  /** Every input token, cached or not. */
  inputTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** The part of `inputTokens` read from a prompt cache (0 where the provider reports none). */
  cachedInputTokens: number;
  /** The part of `inputTokens` written to a prompt cache. */
  cacheWriteInputTokens: number;
  /** The part of `outputTokens` spent reasoning. */
  reasoningTokens: number;
  /** USD, or `undefined` when the model has no known price. */
  cost: number | undefined;
}

/**
 * Token and cost totals of a run.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, summarizeUsage, type UsageSummary } from 'rxllm';
 * const summary: UsageSummary = summarizeUsage(await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.']));
 * console.log(`${summary.succeeded} ok, ${summary.failed} failed, ${summary.totalTokens} tokens, $${summary.cost}`);
 * ```
 */
export interface UsageSummary {
  /** Results counted (all entries, including failures and never-submitted ones). */
  results: number;
  succeeded: number;
  failed: number;
  /** `null` entries: prompts that were never submitted. */
  notSubmitted: number;
  /** Every input token, cached or not. */
  inputTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** The part of `inputTokens` read from a prompt cache. */
  cachedInputTokens: number;
  /** The part of `inputTokens` written to a prompt cache. */
  cacheWriteInputTokens: number;
  /** The part of `outputTokens` spent reasoning. */
  reasoningTokens: number;
  /** `inputTokens + outputTokens`. */
  totalTokens: number;
  /** USD over the priced models; `undefined` when no answering model has a price. */
  cost: number | undefined;
  /** Models that answered but have no price (their tokens are in the totals, not in `cost`). */
  unpricedModels: string[];
  /** Totals by the model name the server reported (`ChatResponse.model`). */
  byModel: Record<string, ModelUsage>;
}

/**
 * What `summarizeUsage` accepts: `parallelChat` results, or `chatEach` / `chatEachStructured` results.
 *
 * @example
 * ```ts
 * import { from, lastValueFrom, toArray } from 'rxjs';
 * import { chatEach, openai, summarizeUsage, type UsageSource } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * const results: UsageSource = await lastValueFrom(from(['Say hi.', 'Say hello.']).pipe(chatEach(model), toArray()));
 * console.log(summarizeUsage(results).totalTokens);
 * ```
 */
export type UsageSource = ReadonlyArray<ChatResponse | LlmError | null> | ReadonlyArray<ChatResult> | ReadonlyArray<StructuredResult<unknown>>;

/**
 * Adds up the token usage and cost of a run's results, per model and overall. Works on `parallelChat` output
 * (`ChatResponse | LlmError | null` entries) and on collected `chatEach` results (`ChatResult`) and
 * `chatEachStructured` results. Failed attempts report no usage and count as zero tokens, except a structured answer
 * that failed its schema: it counts as failed, and its tokens and cost (paid) are in the totals.
 *
 * @param results - The run's results.
 * @param prices - Price overrides consulted before `definePrices` and the built-in table.
 * @returns Totals, cost in USD, and per-model figures.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, summarizeUsage } from 'rxllm';
 * const results = await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Hi', 'Hello']);
 * const { totalTokens, cost } = summarizeUsage(results);
 * console.log(`${totalTokens} tokens, $${cost?.toFixed(4)}`);
 * ```
 */
export function summarizeUsage(results: UsageSource, prices?: PriceTable): UsageSummary {
  const summary: UsageSummary = {
    results: 0,
    succeeded: 0,
    failed: 0,
    notSubmitted: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    reasoningTokens: 0,
    totalTokens: 0,
    cost: undefined,
    unpricedModels: [],
    byModel: {},
  };
  for (const entry of results as ReadonlyArray<Entry>) {
    summary.results += 1;
    const response = responseOf(entry);
    if (entry === null) summary.notSubmitted += 1;
    else if (response === undefined || !succeeded(entry)) summary.failed += 1;
    else summary.succeeded += 1;
    if (response === undefined) continue;
    const model = (summary.byModel[response.model] ??= {
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
      reasoningTokens: 0,
      cost: undefined,
    });
    const { usage } = response;
    model.requests += 1;
    model.inputTokens += usage.inputTokens;
    model.outputTokens += usage.outputTokens;
    model.cachedInputTokens += usage.cachedInputTokens ?? 0;
    model.cacheWriteInputTokens += usage.cacheWriteInputTokens ?? 0;
    model.reasoningTokens += usage.reasoningTokens ?? 0;
    model.cost = addCost(model.cost, response.model, usage, prices, response.serviceTier);
  }
  for (const [name, model] of Object.entries(summary.byModel)) {
    summary.inputTokens += model.inputTokens;
    summary.outputTokens += model.outputTokens;
    summary.cachedInputTokens += model.cachedInputTokens;
    summary.cacheWriteInputTokens += model.cacheWriteInputTokens;
    summary.reasoningTokens += model.reasoningTokens;
    if (model.cost === undefined) {
      summary.unpricedModels.push(name);
      continue;
    }
    summary.cost = (summary.cost ?? 0) + model.cost;
  }
  summary.totalTokens = summary.inputTokens + summary.outputTokens;
  return summary;
}

/** `cost` plus the price of one response's usage (priced one by one, so each answer's cached part is capped at its own input). */
function addCost(cost: number | undefined, model: string, usage: Usage, prices: PriceTable | undefined, serviceTier: string | undefined): number | undefined {
  const price = priceOf(model, prices);
  return price === undefined ? undefined : (cost ?? 0) + priceUsage(price, usage, priceTierOf(serviceTier));
}

type Entry = ChatResponse | LlmError | ChatResult | StructuredResult<unknown> | null;

/** True unless the entry is a failed result (a structured answer that failed its schema keeps its response). */
function succeeded(entry: Entry): boolean {
  return entry === null || typeof entry !== 'object' || !('ok' in entry && 'index' in entry) || entry.ok;
}

/** The response whose usage was paid: a success's, or a structured failure's answer. */
function responseOf(entry: Entry): ChatResponse | undefined {
  if (entry === null || typeof entry !== 'object') return undefined;
  if ('ok' in entry && 'index' in entry) return 'response' in entry ? entry.response : undefined;
  if ('usage' in entry && 'text' in entry) return entry;
  return undefined;
}
