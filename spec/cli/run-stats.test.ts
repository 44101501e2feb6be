import { describe, expect, it } from 'vitest';
import { formatCommand, shellQuote } from '../../src/cli/format-command.js';
import { formatCost, formatDuration, formatTokens } from '../../src/cli/format-figures.js';
import { formatSummary } from '../../src/cli/format-summary.js';
import { IdSet } from '../../src/checkpoint/id-set.js';
import { LatencyHistogram } from '../../src/cli/latency-histogram.js';
import { RunStats } from '../../src/cli/run-stats.js';

describe('LatencyHistogram', () => {
  it('gives nearest-rank percentiles', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.percentile(50)).toBeUndefined();
    for (const ms of [120, 80, 95, 400]) histogram.record(ms);
    expect(histogram.percentile(50)).toBe(95);
    expect(histogram.percentile(95)).toBe(400);
    expect(histogram.percentile(0)).toBe(80);
    expect(histogram.percentile(100)).toBe(400);
  });

  it('matches a sorted list on 1..100 and handles values past the direct range', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 100; ms >= 1; ms--) histogram.record(ms);
    expect(histogram.percentile(50)).toBe(50);
    expect(histogram.percentile(95)).toBe(95);
    expect(histogram.percentile(99)).toBe(99);
    const slow = new LatencyHistogram();
    slow.record(10);
    slow.record(700_000);
    slow.record(900_000);
    expect(slow.percentile(50)).toBe(700_000);
    expect(slow.percentile(100)).toBe(900_000);
    expect(slow.count).toBe(3);
  });

  it('rounds to whole milliseconds and clamps negatives', () => {
    const histogram = new LatencyHistogram();
    histogram.record(-3);
    histogram.record(12.6);
    expect(histogram.percentile(1)).toBe(0);
    expect(histogram.percentile(100)).toBe(13);
  });
});

describe('IdSet', () => {
  it('keeps default line ids as bits and other ids apart by type', () => {
    const ids = new IdSet();
    expect(ids.add('line-3')).toBe(true);
    expect(ids.add('line-3')).toBe(false);
    expect(ids.add('line-100000')).toBe(true);
    expect(ids.add(42)).toBe(true);
    expect(ids.add('42')).toBe(true);
    expect(ids.add('line-03')).toBe(true);
    expect(ids.has('line-3')).toBe(true);
    expect(ids.has('line-4')).toBe(false);
    expect(ids.has('line-03')).toBe(true);
    expect(ids.has(43)).toBe(false);
    expect(ids.size).toBe(5);
  });
});

describe('RunStats and the summary', () => {
  it('counts outcomes, tokens and cost, and estimates the ETA from the recent rate', () => {
    let now = 0;
    const stats = new RunStats('openai/gpt-4o-mini', () => now);
    stats.total = 10;
    stats.skipped = 2;
    expect(stats.etaMs()).toBeUndefined();
    now = 1_000;
    stats.recordOk({ inputTokens: 1_000_000, outputTokens: 0 }, 'gpt-4o-mini', 100);
    stats.recordFailed(300);
    expect(stats.accounted).toBe(4);
    expect(stats.cost).toBeCloseTo(0.15);
    // 2 completed in 1 s, 6 lines left: 3 s.
    expect(stats.etaMs()).toBe(3_000);
  });

  it('summarises counts, tokens, cost and latency percentiles', () => {
    let now = 0;
    const stats = new RunStats('openai/gpt-4o-mini', () => now);
    stats.recordOk({ inputTokens: 10, outputTokens: 5 }, 'gpt-4o-mini', 200);
    stats.recordOk({ inputTokens: 10, outputTokens: 5 }, 'gpt-4o-mini', 400);
    stats.recordFailed(900);
    for (const queuedMs of [0, 1_500, 3_000]) stats.recordQueued(queuedMs);
    stats.skipped = 4;
    stats.badLines = 1;
    now = 12_400;
    const text = formatSummary(stats, { ending: 'finished', output: 'out.jsonl' });
    expect(text).toContain('rxllm: finished in 12.4s: 3 prompts this run, 2 ok, 1 failed, 4 skipped (already in out.jsonl), 1 bad input line');
    expect(text).toContain('tokens 20 in + 10 out · cost $0.000009');
    // Time in flight and time queued behind the rate limit apart (issue 20).
    expect(text).toContain('  in flight p50 400ms · p95 900ms · queued (rate limit) p50 1.5s · p95 3.0s · 15 prompts/min\n');
    expect(text).toContain('results: out.jsonl');
  });

  it('says when the cost is unknown', () => {
    const stats = new RunStats('mystery/model', () => 0);
    stats.recordOk({ inputTokens: 1, outputTokens: 1 }, 'mystery-model', 5);
    expect(formatSummary(stats, { ending: 'finished', output: 'o' })).toContain('cost unknown (no price for mystery-model)');
  });
});

describe('formatters', () => {
  it('format durations, tokens and costs', () => {
    expect(formatDuration(950)).toBe('950ms');
    expect(formatDuration(83_400)).toBe('1m 23s');
    expect(formatDuration(3_725_000)).toBe('1h 02m');
    expect(formatTokens(999)).toBe('999');
    expect(formatTokens(123_456)).toBe('123.5k');
    expect(formatTokens(4_560_000)).toBe('4.56M');
    expect(formatCost(0.01234)).toBe('$0.0123');
    expect(formatCost(12.345)).toBe('$12.35');
  });

  it('quote the resume command for a POSIX shell', () => {
    expect(shellQuote('plain-word.jsonl')).toBe('plain-word.jsonl');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(formatCommand('/usr/local/bin/rxllm', ['run', 'my prompts.jsonl', '-o', 'o.jsonl'])).toBe("rxllm run 'my prompts.jsonl' -o o.jsonl");
    expect(formatCommand('/repo/dist/cli.js', ['run', 'p'], '/repo')).toBe('node dist/cli.js run p');
    expect(formatCommand('/repo/src/cli/main.ts', ['run'], '/repo')).toBe('npx tsx src/cli/main.ts run');
  });
});
