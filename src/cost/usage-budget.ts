import { Observable, Subject } from 'rxjs';
import { z } from 'zod';
import { BudgetExceededError, InvalidOptionsError } from '../errors/llm-error.js';
import type { Usage } from '../types.js';
import { validateOptions } from '../internal/validate-options.js';
import { priceUsage } from './cost-of.js';
import { priceTierOf } from './price-tier-of.js';
import { type PriceTable, priceOf, validatePrices } from './model-prices.js';
import { DEFAULT_OUTPUT_TOKENS, type UsageRequest, worstCaseUsage } from '../model/worst-case-usage.js';

/**
 * Options of `usageBudget`. At least one limit is required.
 *
 * @example
 * ```ts
 * import { usageBudget, openai, parallelChat, type BudgetOptions } from 'rxllm';
 * const options: BudgetOptions = { maxCost: 1, maxTotalTokens: 500_000, inputMargin: 1.2 };
 * const results = await parallelChat(openai({ model: 'gpt-4o-mini' }), ['Say hi.', 'Say hello.'], { budget: usageBudget(options) });
 * console.log(results.filter((result) => result === null).length, 'prompts not sent');
 * ```
 */
export interface BudgetOptions {
  /** Most US dollars the run may spend (priced with the price table). */
  maxCost?: number;
  /** Most input + output tokens the run may spend. */
  maxTotalTokens?: number;
  /** Price overrides consulted before `definePrices` and the built-in table. */
  prices?: PriceTable;
  /**
   * Output tokens assumed for a request that sets no `maxTokens`: the same allowance pipelines reserve from the
   * limiter (`defaultOutputTokens` there). A model whose adapter always sends one (Anthropic: its `maxTokens`, 4096) carries
   * it in its params, so this applies only where the provider's own default is unknown. @defaultValue `1024`
   */
  defaultOutputTokens?: number;
  /**
   * Factor applied to the input-token estimate (`estimateInputTokens`) when reserving. The estimate is script-aware and
   * meant as an upper bound (on its test texts never below Llama 2's, o200k_base's or cl100k_base's count); raise this
   * for a tokenizer or a kind of text that counts more, or for a chat template that adds more than the estimate's 4
   * tokens per message. @defaultValue `1`
   */
  inputMargin?: number;
}

/**
 * The worst case held for one request until it is settled or released.
 *
 * @example
 * ```ts
 * import { usageBudget, type BudgetReservation } from 'rxllm';
 * const budget = usageBudget({ maxCost: 0.05 });
 * const request = { messages: [{ role: 'user' as const, content: 'Say hi.' }], params: { maxTokens: 1_000 } };
 * const reservation: BudgetReservation | undefined = budget.reserve('openai/gpt-4o-mini', request);
 * console.log(reservation?.tokens, reservation?.cost); // the worst case, held until settle() or release()
 * if (reservation !== undefined) budget.release(reservation); // the request was not sent after all
 * ```
 */
export interface BudgetReservation {
  readonly modelId: string;
  /** Reserved input + output tokens. */
  readonly tokens: number;
  /** Reserved USD (0 when the budget has no `maxCost`). */
  readonly cost: number;
  /** The worst-case usage reserved. */
  readonly usage: Usage;
  /** The service tier requested, whose rates priced `cost`. */
  readonly serviceTier?: string;
}

/**
 * Spent and reserved totals of a budget.
 *
 * @example
 * ```ts
 * import { usageBudget, type BudgetState } from 'rxllm';
 * const state: BudgetState = usageBudget({ maxCost: 0.5 }).state();
 * console.log(state); // { spentTokens: 0, spentCost: 0, assumedTokens: 0, assumedCost: 0, reservedTokens: 0, reservedCost: 0, outstanding: 0, exhausted: false }
 * ```
 */
export interface BudgetState {
  /** Tokens counted as spent: reported usage plus `assumedTokens`. */
  spentTokens: number;
  /** USD counted as spent: reported usage plus `assumedCost`. */
  spentCost: number;
  /**
   * The part of `spentTokens` that is a worst case, not reported usage: attempts whose usage never arrived (a dropped
   * connection, a timeout, a cut-off or unparsable body, a stream without a usage chunk, a cancellation after sending).
   * `spentTokens - assumedTokens` is what the server reported, the figure progress and `summarizeUsage` count.
   */
  assumedTokens: number;
  /** The part of `spentCost` that is a worst case (see `assumedTokens`). */
  assumedCost: number;
  reservedTokens: number;
  reservedCost: number;
  /** Reservations neither settled nor released. */
  outstanding: number;
  /** True once a request was refused with nothing outstanding: the budget refuses everything from then on. */
  exhausted: boolean;
}

/**
 * A spending limit shared by the requests of a run. Before sending, a pipeline calls `reserve`; a refusal means
 * the request could overrun the limit and must not be sent. When the answer arrives, `settle` replaces the
 * reserved worst case by the real usage; `release` gives it back when the request spent nothing.
 *
 * @example
 * ```ts
 * import { usageBudget, type Budget } from 'rxllm';
 * const budget: Budget = usageBudget({ maxTotalTokens: 10_000 });
 * budget.changes.subscribe((state) => console.log(`spent ${state.spentTokens} of ${budget.maxTotalTokens} tokens`));
 * const request = { messages: [{ role: 'user' as const, content: 'Say hi.' }], params: { maxTokens: 500 } };
 * const reservation = budget.reserve('openai/gpt-4o-mini', request);
 * if (reservation !== undefined) budget.settle(reservation, { inputTokens: 9, outputTokens: 120 }); // spent 129 of 10000 tokens
 * ```
 */
export interface Budget {
  readonly maxCost: number | undefined;
  readonly maxTotalTokens: number | undefined;
  /**
   * Reserves a request's worst case (input estimate + `maxTokens`). Returns `undefined`, reserving nothing,
   * when that could take spending plus outstanding reservations past a limit. A refusal while other reservations
   * are outstanding may turn into a grant once they settle (see `changes`); a refusal with nothing outstanding
   * exhausts the budget, which then refuses every request (the run is over). Throws `InvalidOptionsError`
   * when `maxCost` is set and the model has no price.
   */
  reserve(modelId: string, request: UsageRequest): BudgetReservation | undefined;
  /**
   * Replaces a reservation by the usage the server reported, priced at `serviceTier` (the tier that served it; else
   * the tier reserved at). Passing `reservation.usage` itself counts the worst case as spent, in `assumedTokens` /
   * `assumedCost` as well (the attempt's usage never arrived). Later calls for the same reservation are ignored.
   */
  settle(reservation: BudgetReservation, usage: Usage, serviceTier?: string): void;
  /** Gives a reservation back unspent (the request failed before the server did any work). */
  release(reservation: BudgetReservation): void;
  /** Current totals. */
  state(): BudgetState;
  /** Emits after each settle or release: a refused request may fit now if `state().outstanding` was above 0. */
  readonly changes: Observable<BudgetState>;
  /** The error given to prompts not sent because of this budget. */
  exceededError(modelId?: string): BudgetExceededError;
}

const budgetOptionsSchema = z
  .strictObject({
    maxCost: z.number().nonnegative().finite().optional(),
    maxTotalTokens: z.number().int().nonnegative().optional(),
    prices: z.unknown().optional(),
    defaultOutputTokens: z.number().int().nonnegative().optional(),
    inputMargin: z.number().min(1).max(10).optional(),
  })
  .refine((options) => options.maxCost !== undefined || options.maxTotalTokens !== undefined, {
    message: 'set maxCost or maxTotalTokens',
  });

/** Tolerance on cost comparisons, for floating-point sums. */
const COST_EPSILON = 1e-12;

/**
 * Creates a budget (`maxCost` in USD and/or `maxTotalTokens`) that a run reserves against before each request,
 * so that nothing is sent that could overrun it. Pass it to a pipeline's `budget` option; prompts refused for
 * good end as `BudgetExceededError` results (`null` in `parallelChat`, never submitted). One budget is meant for
 * one run, but several pipelines may share it. Exactly: a request is sent only if the spend settled so far, plus
 * every worst case still held, plus its own worst case (`estimateInputTokens × inputMargin` input tokens and its
 * `maxTokens` or `defaultOutputTokens` output tokens, priced) stays within the limits; so the run stays within them
 * whenever each request's real input is at most its estimate times `inputMargin`. That holds for the Llama 2,
 * o200k_base and cl100k_base tokenizers on the estimate's test texts (English, Russian, JSON, CJK, emoji, code and
 * more); for another tokenizer or chat template, raise `inputMargin`.
 *
 * When the budget counts a worst case: while a request is in flight its worst case is held (`reservedTokens`); once
 * the server reports usage, exactly that usage is counted, priced at the tier that served it (the figure progress
 * and `summarizeUsage` count, each response once, whatever the retries). An attempt whose usage never arrives after
 * it was sent — a dropped connection, a timeout, a cut-off or unparsable body (retried), a stream ending without a
 * usage chunk, a cancellation — stays counted at its worst case, in `spentTokens` and also in `assumedTokens` /
 * `assumedCost`; an attempt the server answered with an HTTP error status, or never sent, counts nothing.
 *
 * @param options - Limits, prices, and the assumed output allowance. Throws `InvalidOptionsError` when invalid.
 * @returns A `Budget`.
 *
 * @example
 * ```ts
 * import { usageBudget } from 'rxllm';
 * const budget = usageBudget({ maxCost: 0.01 });
 * const request = { messages: [{ role: 'user' as const, content: 'Hi' }], params: { maxTokens: 100 } };
 * const reservation = budget.reserve('gpt-4o-mini', request);
 * if (reservation) budget.settle(reservation, { inputTokens: 9, outputTokens: 12 });
 * console.log(budget.state());
 * ```
 */
export function usageBudget(options: BudgetOptions): Budget {
  const parsed = validateOptions(budgetOptionsSchema, options, 'usageBudget() options');
  const prices = parsed.prices === undefined ? undefined : validatePrices(parsed.prices, 'usageBudget() options.prices');
  const { maxCost, maxTotalTokens, defaultOutputTokens = DEFAULT_OUTPUT_TOKENS, inputMargin = 1 } = parsed;
  const open = new Set<BudgetReservation>();
  const changes = new Subject<BudgetState>();
  const totals = { spentTokens: 0, spentCost: 0, assumedTokens: 0, assumedCost: 0, reservedTokens: 0, reservedCost: 0 };
  let exhausted = false;

  const state = (): BudgetState => ({ ...totals, outstanding: open.size, exhausted });
  const priceFor = (modelId: string) => {
    if (maxCost === undefined) return undefined;
    const price = priceOf(modelId, prices);
    if (price === undefined) {
      throw new InvalidOptionsError(`usageBudget(): no price for model "${modelId}"; add it with the prices option or definePrices()`);
    }
    return price;
  };
  const close = (reservation: BudgetReservation, usage: Usage | undefined, serviceTier?: string) => {
    if (!open.delete(reservation)) return;
    totals.reservedTokens -= reservation.tokens;
    totals.reservedCost -= reservation.cost;
    if (usage !== undefined) {
      const assumed = usage === reservation.usage; // the worst case itself: no usage arrived
      const tokens = usage.inputTokens + usage.outputTokens;
      totals.spentTokens += tokens;
      if (assumed) totals.assumedTokens += tokens;
      const price = priceFor(reservation.modelId);
      if (price !== undefined) {
        const cost = priceUsage(price, usage, priceTierOf(serviceTier ?? reservation.serviceTier));
        totals.spentCost += cost;
        if (assumed) totals.assumedCost += cost;
      }
    }
    if (open.size === 0) {
      totals.reservedTokens = 0;
      totals.reservedCost = 0;
    }
    changes.next(state());
  };

  return {
    maxCost,
    maxTotalTokens,
    reserve(modelId, request) {
      const usage = worstCaseUsage(request, defaultOutputTokens, inputMargin);
      const price = priceFor(modelId);
      const tokens = usage.inputTokens + usage.outputTokens;
      const cost = price === undefined ? 0 : priceUsage(price, usage, priceTierOf(request.params?.serviceTier));
      const fits =
        !exhausted &&
        (maxTotalTokens === undefined || totals.spentTokens + totals.reservedTokens + tokens <= maxTotalTokens) &&
        (maxCost === undefined || totals.spentCost + totals.reservedCost + cost <= maxCost + COST_EPSILON);
      if (!fits) {
        if (open.size === 0) exhausted = true;
        return undefined;
      }
      const serviceTier = request.params?.serviceTier;
      const reservation: BudgetReservation = Object.freeze(serviceTier === undefined ? { modelId, tokens, cost, usage } : { modelId, tokens, cost, usage, serviceTier });
      open.add(reservation);
      totals.reservedTokens += tokens;
      totals.reservedCost += cost;
      return reservation;
    },
    settle: (reservation, usage, serviceTier) => close(reservation, usage, serviceTier),
    release: (reservation) => close(reservation, undefined),
    state,
    changes: changes.asObservable(),
    exceededError(modelId) {
      const limits = [
        ...(maxCost === undefined ? [] : [`maxCost $${maxCost} (spent $${round(totals.spentCost)})`]),
        ...(maxTotalTokens === undefined ? [] : [`maxTotalTokens ${maxTotalTokens} (spent ${totals.spentTokens})`]),
      ];
      return new BudgetExceededError(
        `Not sent: the request's worst case could overrun the budget: ${limits.join(', ')}.`,
        modelId?.includes('/') === true ? { provider: modelId.slice(0, modelId.indexOf('/')) } : {},
      );
    },
  };
}

function round(value: number): string {
  return value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}
