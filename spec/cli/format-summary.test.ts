import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/cli/format-summary.js';
import { RunStats } from '../../src/cli/run-stats.js';

describe('formatSummary: cached, cache-write and reasoning tokens', () => {
  it('adds up the parts over answers and failed-but-paid answers, and prints each beside its total', () => {
    const stats = new RunStats('anthropic/claude-sonnet-4-5', () => 0);
    stats.recordOk({ inputTokens: 10_000, outputTokens: 2_000, cachedInputTokens: 7_000, cacheWriteInputTokens: 1_500, reasoningTokens: 900 }, 'claude-sonnet-4-5', 10);
    stats.recordFailed(20, { inputTokens: 2_000, outputTokens: 1_000, cachedInputTokens: 1_000, reasoningTokens: 300 }, 'claude-sonnet-4-5');
    expect([stats.cachedInputTokens, stats.cacheWriteInputTokens, stats.reasoningTokens]).toEqual([8_000, 1_500, 1_200]);
    const text = formatSummary(stats, { ending: 'finished', output: 'out.jsonl' });
    expect(text).toContain('  tokens 12,000 in (8,000 cached, 1,500 cache write) + 3,000 out (1,200 reasoning) · cost $');
  });

  it('prints only the parts that are non-zero', () => {
    const stats = new RunStats('openai/gpt-4o-mini', () => 0);
    stats.recordOk({ inputTokens: 4_000, outputTokens: 500, cachedInputTokens: 0, reasoningTokens: 200 }, 'gpt-4o-mini', 10);
    expect(formatSummary(stats, { ending: 'finished', output: 'o' })).toContain('  tokens 4,000 in + 500 out (200 reasoning) · cost $');
    const cachedOnly = new RunStats('openai/gpt-4o-mini', () => 0);
    cachedOnly.recordOk({ inputTokens: 4_000, outputTokens: 500, cachedInputTokens: 3_072 }, 'gpt-4o-mini', 10);
    expect(formatSummary(cachedOnly, { ending: 'finished', output: 'o' })).toContain('  tokens 4,000 in (3,072 cached) + 500 out · cost $');
  });
});

describe('formatSummary: the limits in force and the 429s', () => {
  const stats = () => new RunStats('openai/gpt-4o-mini', () => 0);

  it('names each limit with where it came from, and counts the 429s', () => {
    const limits = { rpm: { value: 480.4, source: 'headers' as const }, tpm: { value: 200_000, source: 'configured' as const } };
    const text = formatSummary(stats(), { ending: 'finished', output: 'o', limits, refusals: { capacityRefusals: 0, rateLimitRefusals: 3 } });
    expect(text).toContain('\n  limits 480 rpm (from headers), 200,000 tpm (configured) · 3 refused for rate limits (429)\n');
    const adapted = formatSummary(stats(), { ending: 'finished', output: 'o', limits: { rpm: { value: 120, source: 'adapted' } }, refusals: { capacityRefusals: 0, rateLimitRefusals: 0 } });
    expect(adapted).toContain('\n  limits 120 rpm (adapted) · 0 refused for rate limits (429)\n');
  });

  it('counts the 429s once, on the limits line, and the capacity refusals on their own line', () => {
    const limits = { rpm: { value: 480, source: 'headers' as const } };
    for (const capacityRefusals of [0, 31]) {
      const text = formatSummary(stats(), { ending: 'finished', output: 'o', limits, refusals: { capacityRefusals, rateLimitRefusals: 7 } });
      expect(text.match(/\b7\b/g), text).toHaveLength(1);
      expect(text).toContain('\n  limits 480 rpm (from headers) · 7 refused for rate limits (429)\n');
      if (capacityRefusals === 0) expect(text).not.toContain('for capacity');
      else expect(text).toContain('\n  refused: 31 for capacity (tier)\n');
    }
    const noLimits = formatSummary(stats(), { ending: 'finished', output: 'o', refusals: { capacityRefusals: 0, rateLimitRefusals: 2 } });
    expect(noLimits.match(/\b2\b/g), noLimits).toHaveLength(1);
    expect(noLimits).toContain('\n  2 refused for rate limits (429)\n');
  });

  it('says nothing of limits when none were reported and no 429 came', () => {
    expect(formatSummary(stats(), { ending: 'finished', output: 'o' })).not.toContain('limits');
  });
});
