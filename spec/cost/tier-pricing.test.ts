import { describe, expect, it } from 'vitest';
import { costOf } from '../../src/cost/cost-of.js';
import { estimateCost } from '../../src/cost/estimate-cost.js';
import { DEFAULT_PRICES } from '../../src/cost/model-prices.js';
import { priceTierOf } from '../../src/cost/price-tier-of.js';
import { summarizeUsage } from '../../src/cost/summarize-usage.js';
import { usageBudget } from '../../src/cost/usage-budget.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatResponse } from '../../src/types.js';

const usage = { inputTokens: 1_000_000, outputTokens: 100_000 };
const gpt5 = DEFAULT_PRICES['gpt-5']!;
const standard = (gpt5.inputPerMillion * 1_000_000 + gpt5.outputPerMillion * 100_000) / 1e6;
const flex = (gpt5.flex!.inputPerMillion * 1_000_000 + gpt5.flex!.outputPerMillion * 100_000) / 1e6;

const answer = (serviceTier?: string): ChatResponse => ({ text: 'x', finishReason: 'stop', usage, model: 'gpt-5', raw: null, ...(serviceTier === undefined ? {} : { serviceTier }) });

describe('pricing at the tier that served', () => {
  it('maps tier words to price tiers: flex, priority, batch their own, every other word standard', () => {
    expect(['flex', 'priority', 'batch', 'default', 'auto', 'on_demand', 'standard', 'scale', undefined].map(priceTierOf)).toEqual([
      'flex', 'priority', 'batch', 'standard', 'standard', 'standard', 'standard', 'standard', 'standard',
    ]);
  });

  it('summarizeUsage prices each response at its serviceTier', () => {
    expect(flex).toBeLessThan(standard);
    expect(summarizeUsage([answer('flex')]).cost).toBeCloseTo(flex, 10);
    expect(summarizeUsage([answer('default')]).cost).toBeCloseTo(standard, 10);
    expect(summarizeUsage([answer('flex'), answer()]).cost).toBeCloseTo(flex + standard, 10);
  });

  it('a budget reserves at the tier requested and settles at the tier served', () => {
    const budget = usageBudget({ maxCost: 100 });
    const request = { messages: [{ role: 'user' as const, content: 'Hi' }], params: { maxTokens: 100, serviceTier: 'flex' } };
    const atFlex = budget.reserve('openai/gpt-5', request)!;
    const atStandard = budget.reserve('openai/gpt-5', { ...request, params: { maxTokens: 100 } })!;
    expect(atFlex.cost).toBeCloseTo(atStandard.cost / 2, 12);
    budget.settle(atFlex, usage); // no tier reported: the tier reserved at
    expect(budget.state().spentCost).toBeCloseTo(flex, 10);
    budget.settle(atStandard, usage, 'flex'); // served at flex though asked at standard
    expect(budget.state().spentCost).toBeCloseTo(2 * flex, 10);
  });

  it('estimateCost prices at the requests\' tier, or at the tier it is given', () => {
    const model = openai({ model: 'gpt-5', baseURL: 'http://127.0.0.1:9/v1', apiKey: '', params: { maxTokens: 100 } });
    const prompts = ['Label this review: great'];
    const atStandard = estimateCost(model, prompts).maxCost!;
    expect(estimateCost(model, prompts, { serviceTier: 'flex' }).maxCost).toBeCloseTo(atStandard / 2, 12); // the requests ask for flex
    expect(estimateCost(model, prompts, {}, { serviceTier: 'flex' }).maxCost).toBeCloseTo(atStandard / 2, 12); // priced at flex
    expect(costOf('gpt-5', usage, undefined, priceTierOf('flex'))).toBeCloseTo(flex, 10);
  });
});
