import { describe, expect, it } from 'vitest';
import { type ChatResponse, costOf, DEFAULT_PRICES, definePrices, InvalidOptionsError, priceOf, summarizeUsage, type Usage } from '../../src/index.js';

const response = (model: string, usage: Usage): ChatResponse => ({ text: 'x', finishReason: 'stop', usage, model, raw: {} });

describe('costOf() with cached, cache-write and reasoning tokens', () => {
  // A prompt of 30,010 tokens of which 30,000 were a cache read, and 500 output tokens, on claude-haiku-4-5.
  const cacheRead: Usage = { inputTokens: 30_010, outputTokens: 500, cachedInputTokens: 30_000, cacheWriteInputTokens: 0 };

  it('prices an Anthropic cache read at the cache-read rate: 5.9x less than at the full input rate', () => {
    const price = priceOf('claude-haiku-4-5')!;
    const expected = (10 * price.inputPerMillion + 30_000 * price.cachedInputPerMillion! + 500 * price.outputPerMillion) / 1e6;
    const cost = costOf('anthropic/claude-haiku-4-5', cacheRead)!;
    expect(cost).toBeCloseTo(expected, 12);
    const fullRate = costOf('anthropic/claude-haiku-4-5', { inputTokens: 30_010, outputTokens: 500 })!;
    expect(fullRate / cost).toBeCloseTo(5.9, 1);
  });

  it('prices an Anthropic cache write at the cache-write rate, above the input rate', () => {
    const price = priceOf('claude-sonnet-4-5')!;
    const usage: Usage = { inputTokens: 10_000, outputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 8_000 };
    expect(costOf('claude-sonnet-4-5', usage)).toBeCloseTo((2_000 * price.inputPerMillion + 8_000 * price.cacheWritePerMillion!) / 1e6, 12);
    expect(price.cacheWritePerMillion!).toBeGreaterThan(price.inputPerMillion);
  });

  it('prices OpenAI cached prompt tokens at the cached-input rate', () => {
    const price = priceOf('gpt-4o-mini')!;
    const usage: Usage = { inputTokens: 2_000, outputTokens: 100, cachedInputTokens: 1_024 };
    expect(costOf('openai/gpt-4o-mini', usage)).toBeCloseTo((976 * price.inputPerMillion + 1_024 * price.cachedInputPerMillion! + 100 * price.outputPerMillion) / 1e6, 12);
  });

  it('prices reasoning tokens at the output rate, never twice', () => {
    const plain = costOf('o4-mini', { inputTokens: 81, outputTokens: 1_035 })!;
    expect(costOf('o4-mini', { inputTokens: 81, outputTokens: 1_035, reasoningTokens: 832 })).toBeCloseTo(plain, 15);
  });

  it('prices cached tokens at the input rate when the entry has no cached rate', () => {
    const prices = { mine: { inputPerMillion: 2, outputPerMillion: 4 } };
    expect(costOf('mine', { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 600_000, cacheWriteInputTokens: 100_000 }, prices)).toBeCloseTo(2, 12);
  });

  it('prices at a tier when the entry has its rates, else at the standard rates', () => {
    const prices = {
      tiered: { inputPerMillion: 2, outputPerMillion: 8, cachedInputPerMillion: 0.5, batch: { inputPerMillion: 1, outputPerMillion: 4 }, flex: { inputPerMillion: 1, outputPerMillion: 4, cachedInputPerMillion: 0.25 } },
    };
    const usage: Usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedInputTokens: 500_000 };
    expect(costOf('tiered', usage, prices)).toBeCloseTo(1 + 0.25 + 8, 12);
    expect(costOf('tiered', usage, prices, 'batch')).toBeCloseTo(0.5 + 0.5 + 4, 12);
    expect(costOf('tiered', usage, prices, 'flex')).toBeCloseTo(0.5 + 0.125 + 4, 12);
    expect(costOf('tiered', usage, prices, 'priority')).toBeCloseTo(costOf('tiered', usage, prices)!, 12);
  });

  it('never prices fewer tokens than reported when the parts exceed the total', () => {
    const prices = { mine: { inputPerMillion: 1, outputPerMillion: 1, cachedInputPerMillion: 0.1 } };
    // A server that reports more cached than input tokens: the cached part is capped at the input total.
    expect(costOf('mine', { inputTokens: 100, outputTokens: 0, cachedInputTokens: 1_000 }, prices)).toBeCloseTo((100 * 0.1) / 1e6, 15);
  });

  it('rejects a negative cached rate or an unknown tier field, naming it', () => {
    expect(() => definePrices({ bad: { inputPerMillion: 1, outputPerMillion: 1, cachedInputPerMillion: -1 } })).toThrow(/bad\.cachedInputPerMillion/);
    expect(() => definePrices({ bad: { inputPerMillion: 1, outputPerMillion: 1, batch: { inputPerMillion: 1 } } as never })).toThrow(InvalidOptionsError);
    expect(() => definePrices({ bad: { inputPerMillion: 1, outputPerMillion: 1, turbo: {} } as never })).toThrow(/turbo/);
  });

  it('has cached and cache-write rates for the Anthropic models and cached rates for the OpenAI ones it knows', () => {
    for (const key of Object.keys(DEFAULT_PRICES).filter((name) => name.startsWith('claude-'))) {
      const price = DEFAULT_PRICES[key]!;
      expect(price.cachedInputPerMillion, key).toBeLessThan(price.inputPerMillion);
      expect(price.cacheWritePerMillion, key).toBeGreaterThan(price.inputPerMillion);
      expect(price.batch?.inputPerMillion, key).toBe(price.inputPerMillion / 2);
    }
    for (const key of ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano']) {
      expect(DEFAULT_PRICES[key]!.cachedInputPerMillion, key).toBeLessThan(DEFAULT_PRICES[key]!.inputPerMillion);
    }
  });
});

describe('summarizeUsage() with cached and reasoning tokens', () => {
  it('totals the details per model and overall, and prices them', () => {
    const usage: Usage = { inputTokens: 30_010, outputTokens: 500, cachedInputTokens: 30_000, cacheWriteInputTokens: 0, reasoningTokens: 200 };
    const summary = summarizeUsage([response('claude-haiku-4-5', usage), response('claude-haiku-4-5', { inputTokens: 10, outputTokens: 5 })]);
    expect(summary.cachedInputTokens).toBe(30_000);
    expect(summary.cacheWriteInputTokens).toBe(0);
    expect(summary.reasoningTokens).toBe(200);
    expect(summary.byModel['claude-haiku-4-5']).toMatchObject({ inputTokens: 30_020, outputTokens: 505, cachedInputTokens: 30_000, reasoningTokens: 200 });
    expect(summary.cost).toBeCloseTo(costOf('claude-haiku-4-5', usage)! + costOf('claude-haiku-4-5', { inputTokens: 10, outputTokens: 5 })!, 12);
  });
});
