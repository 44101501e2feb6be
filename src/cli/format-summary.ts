import type { LimitsInForce } from '../index.js';
import { formatCost, formatCount, formatDuration } from './format-figures.js';
import type { LatencyHistogram } from './latency-histogram.js';
import type { RunStats } from './run-stats.js';

/** What ended the run, for the summary's first line. */
export type RunEnding = 'finished' | 'interrupted' | 'stopped';

/**
 * The end-of-run summary of `rxllm run`: counts (ok, failed, skipped as already done, bad lines, not sent), tokens
 * (with their cached, cache-write and reasoning parts when non-zero), cost when the price table knows the model, wall time, p50/p95 of the time in flight (first request to outcome) and
 * of the time queued behind the rate limit, and the results file.
 *
 * @example
 * ```ts
 * process.stderr.write(formatSummary(stats, { ending: 'finished', output: 'results.jsonl' }));
 * // rxllm: finished in 12.4s: 500 prompts, 497 ok, 3 failed
 * //   tokens 12,345 in (8,000 cached) + 6,789 out (1,200 reasoning) · cost $0.0052
 * //   tiers: 480 flex, 20 default · $0.0052 vs $0.0098 at the standard tier
 * //   refused: 31 for capacity (tier)
 * //   in flight p50 230ms · p95 870ms · queued (rate limit) p50 0ms · p95 1.2s · 2,420 prompts/min
 * //   limits 480 rpm (from headers) · 0 refused for rate limits (429)
 * //   results: results.jsonl
 * ```
 */
export function formatSummary(
  stats: RunStats,
  {
    ending,
    output,
    refusals,
    limits,
  }: {
    ending: RunEnding;
    output: string;
    refusals?: { capacityRefusals: number; rateLimitRefusals: number };
    limits?: LimitsInForce | undefined;
  },
): string {
  const elapsed = stats.elapsedMs();
  const counts = [`${formatCount(stats.ok)} ok`, `${formatCount(stats.failed)} failed`];
  if (stats.skipped > 0) counts.push(`${formatCount(stats.skipped)} skipped (already in ${output})`);
  if (stats.badLines > 0) counts.push(`${formatCount(stats.badLines)} bad input line${stats.badLines === 1 ? '' : 's'}`);
  if (stats.notSent > 0) counts.push(`${formatCount(stats.notSent)} not sent (budget)`);
  const lines = [
    `rxllm: ${ending} in ${formatDuration(elapsed)}: ${formatCount(stats.completed)} prompt${stats.completed === 1 ? '' : 's'} this run, ${counts.join(', ')}`,
  ];
  const inputParts = parts([stats.cachedInputTokens, 'cached'], [stats.cacheWriteInputTokens, 'cache write']);
  const outputParts = parts([stats.reasoningTokens, 'reasoning']);
  const tokens = `tokens ${formatCount(stats.inputTokens)} in${inputParts} + ${formatCount(stats.outputTokens)} out${outputParts}`;
  const cost =
    stats.ok === 0
      ? ''
      : stats.costKnown
        ? ` · cost ${formatCost(stats.cost)}`
        : ` · cost unknown (no price for ${[...stats.unpricedModels].join(', ')})`;
  lines.push(`  ${tokens}${cost}`);
  const tiers = tierLine(stats);
  if (tiers !== undefined) lines.push(tiers);
  // The 429s of rate limits are counted once, beside the limits they speak of (see `formatLimits`).
  if (refusals !== undefined && refusals.capacityRefusals > 0) lines.push(`  refused: ${formatCount(refusals.capacityRefusals)} for capacity (tier)`);
  const inFlight = percentiles(stats.latencies);
  if (inFlight !== undefined) {
    const perMinute = elapsed > 0 ? (stats.completed * 60_000) / elapsed : 0;
    const queued = percentiles(stats.queued);
    lines.push(`  in flight ${inFlight}${queued === undefined ? '' : ` · queued (rate limit) ${queued}`} · ${formatCount(perMinute)} prompts/min`);
  }
  const limitsLine = formatLimits(limits, refusals?.rateLimitRefusals ?? 0);
  if (limitsLine !== undefined) lines.push(`  ${limitsLine}`);
  lines.push(`  results: ${output}`);
  return `${lines.join('\n')}\n`;
}

/** `  tiers: 480 flex, 20 default · $1.20 vs $2.31 at the standard tier`, when answers said which tier served them. */
function tierLine(stats: RunStats): string | undefined {
  if (stats.servedByTier.size === 0) return undefined;
  const served = [...stats.servedByTier].sort((a, b) => b[1] - a[1]).map(([tier, count]) => `${formatCount(count)} ${tier}`);
  const versus = stats.costKnown && stats.ok > 0 ? ` · ${formatCost(stats.cost)} vs ${formatCost(stats.standardCost)} at the standard tier` : '';
  return `  tiers: ${served.join(', ')}${versus}`;
}

/** Words for where a limit came from. */
const SOURCES = { configured: 'configured', headers: 'from headers', adapted: 'adapted' } as const;

/**
 * `limits 480 rpm (from headers), 200,000 tpm (configured) · 3 refused for rate limits (429)`, or `undefined` with
 * nothing to say. The only place the summary counts rate-limit refusals (capacity refusals, also 429s at OpenAI, have
 * their own line).
 */
function formatLimits(limits: LimitsInForce | undefined, rateLimited: number): string | undefined {
  const shown: string[] = [];
  for (const [name, unit] of [['rpm', 'rpm'], ['tpm', 'tpm'], ['inputTpm', 'input tpm'], ['outputTpm', 'output tpm']] as const) {
    const limit = limits?.[name];
    if (limit !== undefined) shown.push(`${Number.isFinite(limit.value) ? formatCount(limit.value) : 'no'} ${unit}${Number.isFinite(limit.value) ? '' : ' limit'} (${SOURCES[limit.source]})`);
  }
  if (shown.length === 0 && rateLimited === 0) return undefined;
  const refusals = `${formatCount(rateLimited)} refused for rate limits (429)`;
  return shown.length === 0 ? refusals : `limits ${shown.join(', ')} · ${refusals}`;
}

/** ` (8,000 cached, 1,500 cache write)`: the non-zero parts of a token total, or `''` when all are zero. */
function parts(...named: Array<[count: number, name: string]>): string {
  const shown = named.filter(([count]) => count > 0).map(([count, name]) => `${formatCount(count)} ${name}`);
  return shown.length === 0 ? '' : ` (${shown.join(', ')})`;
}

/** `p50 230ms · p95 870ms`, or `undefined` when nothing was recorded. */
function percentiles(histogram: LatencyHistogram): string | undefined {
  const p50 = histogram.percentile(50);
  const p95 = histogram.percentile(95);
  return p50 === undefined || p95 === undefined ? undefined : `p50 ${formatDuration(p50)} · p95 ${formatDuration(p95)}`;
}
