import type { LlmError } from '../errors/llm-error.js';
import type { ChatResponse, ChatResult } from '../types.js';
import { priceUsage } from './cost-of.js';
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
  inputTokens: number;
  outputTokens: number;
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
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** USD over the priced models; `undefined` when no answering model has a price. */
  cost: number | undefined;
  /** Models that answered but have no price (their tokens are in the totals, not in `cost`). */
  unpricedModels: string[];
  /** Totals by the model name the server reported (`ChatResponse.model`). */
  byModel: Record<string, ModelUsage>;
}

/**
 * What `summarizeUsage` accepts: `parallelChat` results, or `chatEach` results.
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
export type UsageSource = ReadonlyArray<ChatResponse | LlmError | null> | ReadonlyArray<ChatResult>;

/**
 * Adds up the token usage and cost of a run's results, per model and overall. Works on `parallelChat` output
 * (`ChatResponse | LlmError | null` entries) and on collected `chatEach` results (`ChatResult`). Failed attempts
 * report no usage and count as zero tokens.
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
    totalTokens: 0,
    cost: undefined,
    unpricedModels: [],
    byModel: {},
  };
  for (const entry of results as ReadonlyArray<ChatResponse | LlmError | ChatResult | null>) {
    summary.results += 1;
    const response = responseOf(entry);
    if (entry === null) summary.notSubmitted += 1;
    else if (response === undefined) summary.failed += 1;
    if (response === undefined) continue;
    summary.succeeded += 1;
    const model = (summary.byModel[response.model] ??= { requests: 0, inputTokens: 0, outputTokens: 0, cost: undefined });
    model.requests += 1;
    model.inputTokens += response.usage.inputTokens;
    model.outputTokens += response.usage.outputTokens;
  }
  for (const [name, model] of Object.entries(summary.byModel)) {
    summary.inputTokens += model.inputTokens;
    summary.outputTokens += model.outputTokens;
    const price = priceOf(name, prices);
    if (price === undefined) {
      summary.unpricedModels.push(name);
      continue;
    }
    model.cost = priceUsage(price, model);
    summary.cost = (summary.cost ?? 0) + model.cost;
  }
  summary.totalTokens = summary.inputTokens + summary.outputTokens;
  return summary;
}

function responseOf(entry: ChatResponse | LlmError | ChatResult | null): ChatResponse | undefined {
  if (entry === null || typeof entry !== 'object') return undefined;
  if ('ok' in entry && 'index' in entry) return entry.ok ? entry.response : undefined;
  if ('usage' in entry && 'text' in entry) return entry;
  return undefined;
}
