import { describe, expect, it } from 'vitest';
import {
  anthropic,
  type ChatResponse,
  type ChatResult,
  costOf,
  DEFAULT_PRICES,
  definePrices,
  estimateCost,
  estimateInputTokens,
  InvalidOptionsError,
  openai,
  PRICES_AS_OF,
  priceOf,
  ServerError,
  summarizeUsage,
} from '../../src/index.js';

function response(model: string, inputTokens: number, outputTokens: number): ChatResponse {
  return { text: 'x', finishReason: 'stop', usage: { inputTokens, outputTokens }, model, raw: {} };
}

describe('price table', () => {
  it('is dated and priced in USD per million tokens', () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(DEFAULT_PRICES['gpt-4o-mini']).toMatchObject({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(DEFAULT_PRICES['claude-haiku-4-5']).toMatchObject({ inputPerMillion: 1, outputPerMillion: 5 });
    expect(Object.isFrozen(DEFAULT_PRICES)).toBe(true);
  });

  it('finds dated, suffixed and provider-prefixed ids, preferring the longest key', () => {
    expect(priceOf('gpt-4o-mini-2024-07-18')).toEqual(DEFAULT_PRICES['gpt-4o-mini']);
    expect(priceOf('gpt-4o-2024-08-06')).toEqual(DEFAULT_PRICES['gpt-4o']);
    expect(priceOf('openai/gpt-4.1-mini')).toEqual(DEFAULT_PRICES['gpt-4.1-mini']);
    expect(priceOf('anthropic/claude-3-5-haiku-20241022')).toMatchObject({ inputPerMillion: 0.8, outputPerMillion: 4 });
    expect(priceOf('claude-3-5-haiku-latest')).toMatchObject({ inputPerMillion: 0.8, outputPerMillion: 4 });
    expect(priceOf('openrouter/openai/gpt-4o-mini')).toEqual(DEFAULT_PRICES['gpt-4o-mini']);
    expect(priceOf('o3-mini-2025-01-31')).toEqual(DEFAULT_PRICES['o3-mini']);
  });

  it('does not match a key that is only a prefix of another word', () => {
    expect(priceOf('gpt-4ox')).toBeUndefined();
    expect(priceOf('o3pro')).toBeUndefined();
    expect(priceOf('llama-3-70b')).toBeUndefined();
  });
});

describe('costOf()', () => {
  it('prices input and output tokens separately', () => {
    expect(costOf('gpt-4o-mini', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBeCloseTo(0.75, 12);
    expect(costOf('anthropic/claude-haiku-4-5', { inputTokens: 2_000_000, outputTokens: 100_000 })).toBeCloseTo(2.5, 12);
    expect(costOf('claude-opus-4-1', { inputTokens: 1000, outputTokens: 2000 })).toBeCloseTo(0.015 + 0.15, 12);
    expect(costOf('gpt-4o', { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });

  it('returns undefined for an unknown model', () => {
    expect(costOf('my-local-model', { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
  });

  it('lets a prices argument override, and definePrices extend, the table', () => {
    const prices = { 'gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 2 } };
    expect(costOf('gpt-4o-mini-2024-07-18', { inputTokens: 1_000_000, outputTokens: 1_000_000 }, prices)).toBe(3);
    definePrices({ 'llama-3-70b': { inputPerMillion: 0.59, outputPerMillion: 0.79 }, 'groq/special': { inputPerMillion: 9, outputPerMillion: 9 } });
    expect(costOf('groq/llama-3-70b', { inputTokens: 1_000_000, outputTokens: 0 })).toBeCloseTo(0.59, 12);
    expect(costOf('groq/special', { inputTokens: 1_000_000, outputTokens: 0 })).toBe(9);
    // the argument still wins over definePrices
    expect(costOf('llama-3-70b', { inputTokens: 1_000_000, outputTokens: 0 }, { 'llama-3-70b': { inputPerMillion: 1, outputPerMillion: 1 } })).toBe(1);
  });

  it('rejects bad prices in definePrices, naming the entry', () => {
    expect(() => definePrices({ bad: { inputPerMillion: -1, outputPerMillion: 1 } })).toThrow(InvalidOptionsError);
    expect(() => definePrices({ bad: { inputPerMillion: 1 } as never })).toThrow(/prices\.bad\.outputPerMillion/);
  });
});

describe('summarizeUsage()', () => {
  it('totals parallelChat results per model, counting failures and unsent prompts', () => {
    const summary = summarizeUsage([
      response('gpt-4o-mini-2024-07-18', 1000, 500),
      new ServerError('boom', { status: 500 }),
      null,
      response('gpt-4o-mini-2024-07-18', 3000, 1500),
      response('my-local-model', 10, 20),
    ]);
    expect(summary).toMatchObject({
      results: 5,
      succeeded: 3,
      failed: 1,
      notSubmitted: 1,
      inputTokens: 4010,
      outputTokens: 2020,
      totalTokens: 6030,
      unpricedModels: ['my-local-model'],
    });
    expect(summary.cost).toBeCloseTo((4000 * 0.15 + 2000 * 0.6) / 1e6, 12);
    expect(summary.byModel['gpt-4o-mini-2024-07-18']).toMatchObject({ requests: 2, inputTokens: 4000, outputTokens: 2000 });
    expect(summary.byModel['my-local-model']!.cost).toBeUndefined();
  });

  it('totals chatEach results too, and gives no cost when nothing is priced', () => {
    const results: ChatResult[] = [
      { index: 0, prompt: 'a', ok: true, response: response('x-model', 5, 6), attempts: 1 },
      { index: 1, prompt: 'b', ok: false, error: new ServerError('boom', { status: 503 }), attempts: 3 },
    ];
    expect(summarizeUsage(results)).toMatchObject({ succeeded: 1, failed: 1, totalTokens: 11, cost: undefined });
  });
});

describe('estimateCost()', () => {
  it('prices the worst case (maxTokens) and an expected case before a run', async () => {
    const model = anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-estimate-1234', maxTokens: 1000 });
    try {
      const prompts = ['a'.repeat(400), { messages: [{ role: 'user' as const, content: 'b'.repeat(40) }], params: { maxTokens: 100 } }];
      const estimate = estimateCost(model, prompts);
      // input: each prompt's estimate, summed; output: 1000 + 100 at most, min(256, max) expected
      const input = estimateInputTokens([{ role: 'user', content: 'a'.repeat(400) }]) + estimateInputTokens([{ role: 'user', content: 'b'.repeat(40) }]);
      expect(estimate).toMatchObject({ requests: 2, inputTokens: input, maxOutputTokens: 1100, expectedOutputTokens: 356, unpricedModels: [] });
      expect(estimate.maxCost).toBeCloseTo((input * 1 + 1100 * 5) / 1e6, 12);
      expect(estimate.expectedCost).toBeCloseTo((input * 1 + 356 * 5) / 1e6, 12);
      const tighter = estimateCost(model, prompts, { maxTokens: 10 }, { expectedOutputTokens: 5 });
      expect(tighter).toMatchObject({ maxOutputTokens: 110, expectedOutputTokens: 10 });
    } finally {
      await model.provider.close?.();
    }
  });

  it('prices a run at the batch rate with batch: true', async () => {
    const model = anthropic({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-estimate-1234', maxTokens: 1000 });
    try {
      const prices = { 'claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5, batch: { inputPerMillion: 0.5, outputPerMillion: 2.5 } } };
      const standard = estimateCost(model, ['a'.repeat(400)], undefined, { prices });
      const batch = estimateCost(model, ['a'.repeat(400)], undefined, { prices, batch: true });
      expect(batch.inputTokens).toBe(standard.inputTokens);
      expect(batch.maxCost).toBeCloseTo((standard.inputTokens * 0.5 + 1000 * 2.5) / 1e6, 12);
      expect(batch.expectedCost).toBeCloseTo((standard.inputTokens * 0.5 + 256 * 2.5) / 1e6, 12);
      expect(() => estimateCost(model, ['a'], undefined, { batch: 'yes' as never })).toThrow(/batch/);
    } finally {
      await model.provider.close?.();
    }
  });

  it('assumes defaultOutputTokens when a request has no maxTokens, and reports unpriced models', async () => {
    const model = openai({ model: 'local-model', baseURL: 'http://127.0.0.1:9/v1', apiKey: '' });
    try {
      const estimate = estimateCost(model, ['hi'], undefined, { defaultOutputTokens: 50 });
      expect(estimate).toMatchObject({ maxOutputTokens: 50, maxCost: undefined, expectedCost: undefined, unpricedModels: ['openai/local-model'] });
      const priced = estimateCost(model, ['hi'], undefined, { prices: { 'local-model': { inputPerMillion: 1, outputPerMillion: 1 } }, defaultOutputTokens: 50 });
      expect(priced.maxCost).toBeCloseTo((estimateInputTokens([{ role: 'user', content: 'hi' }]) + 50) / 1e6, 12);
    } finally {
      await model.provider.close?.();
    }
  });

  it('names an invalid prompt or option', async () => {
    const model = openai({ model: 'm', baseURL: 'http://127.0.0.1:9/v1', apiKey: '' });
    try {
      expect(() => estimateCost(model, ['ok', 5 as never])).toThrow(/prompts\[1\]/);
      expect(() => estimateCost(model, ['ok'], undefined, { expectedOutputTokens: -1 })).toThrow(/estimateCost\(\) options\.expectedOutputTokens/);
    } finally {
      await model.provider.close?.();
    }
  });
});
