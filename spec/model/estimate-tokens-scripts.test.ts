// The input estimate against real tokenizers, script by script (issue 20: with about four characters per token, real
// prompts were 1.9x the estimate in English, 2.4x in Russian and JSON, 5.1x in CJK, 7.1x in emoji, so budgets overran).
// Texts: spec/fixtures/token-counts/texts.json; counts: token-counts.json beside it, made by count-tokens.mjs with
// llama-tokenizer-js 1.2.2 (the Llama 2 vocabulary) and js-tiktoken 1.0.21 (o200k_base, cl100k_base).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateInputTokens } from '../../src/model/estimate-tokens.js';
import { estimateTextTokens } from '../../src/model/estimate-text-tokens.js';

const fixtures = new URL('../fixtures/token-counts/', import.meta.url);
const texts = JSON.parse(readFileSync(new URL('texts.json', fixtures), 'utf8')) as Record<string, string>;
const counts = JSON.parse(readFileSync(new URL('token-counts.json', fixtures), 'utf8')) as Record<string, { llama2: number; o200k: number; cl100k: number }>;
const cases = Object.entries(texts).map(([name, text]) => ({ name, text, real: Math.max(...Object.values(counts[name]!)) }));

/** The most the estimate may exceed the largest real count by on these texts. */
const SANE_FACTOR = 2;

describe('estimateTextTokens() against real tokenizers', () => {
  it('has a count for every text', () => {
    expect(Object.keys(counts).sort()).toEqual(Object.keys(texts).sort());
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('is never below Llama 2, o200k or cl100k on the $name text, and within 2x of the largest', ({ text, real }) => {
    const estimate = estimateTextTokens(text);
    expect(estimate).toBeGreaterThanOrEqual(real);
    expect(estimate).toBeLessThanOrEqual(SANE_FACTOR * real);
  });

  it.each(cases)('makes the input estimate of a message holding the $name text no smaller than its real count', ({ text, real }) => {
    expect(estimateInputTokens([{ role: 'user', content: text }])).toBeGreaterThanOrEqual(real);
  });
});
