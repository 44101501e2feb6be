// Turns the runs of one client in one scenario into medians (with min–max) and worst-case counts.

/** Median, min and max of the finite values; undefined when there are none. */
export function spread(values) {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return undefined;
  const middle = Math.floor(finite.length / 2);
  const median = finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
  return { median, min: finite[0], max: finite.at(-1), count: finite.length };
}

/**
 * Metrics of one run, from the runner's report and the server's counters (`early`: the counters at the scenario's
 * `late429AfterMs`, when it asks for the 429s after a settling time; absent when the run ended before).
 */
export function runMetrics(report, server, scenario, early) {
  const { outcome } = report;
  const cpuUs = report.cpuUserUs + report.cpuSystemUs;
  const partial = report.partial === true;
  // A capped run ends before the client reports its results (LangChain's .batch returns only at the very end), so
  // what it reached is what the server delivered by then.
  const reached = partial && server?.delivered !== undefined ? Math.max(server.delivered, outcome.ok + outcome.failed) : outcome.ok + outcome.failed;
  const status429 = server?.responses?.['429'] ?? 0;
  return {
    partial,
    n: outcome.n,
    reached,
    wallMs: report.wallMs,
    cpuMs: cpuUs / 1000,
    cpuPerItemUs: reached > 0 ? cpuUs / reached : Number.NaN,
    cpuPerTokenUs: outcome.tokens > 0 ? cpuUs / outcome.tokens : Number.NaN,
    maxRssMB: report.maxRssMB,
    /** Share of the machine's CPU the hypervisor gave to other guests during the run (Linux; NaN elsewhere). */
    stealPct: report.machine?.stealPct ?? Number.NaN,
    rssBeforeMB: report.rssBeforeMB,
    throughput: reached / (report.wallMs / 1000),
    ok: outcome.ok,
    failed: outcome.failed,
    lost: report.partial ? 0 : outcome.lost,
    duplicateSuccesses: outcome.duplicateSuccesses,
    tokens: outcome.tokens,
    ttftP50: outcome.ttftMs?.p50,
    ttftP90: outcome.ttftMs?.p90,
    /** The warm-up batch's time to first token (a fresh process: connections opening, code not yet optimised). */
    coldTtftP50: report.warmup?.outcome.ttftMs?.p50,
    /** Warm-up prompts with no success (failed or lost); they count as problems like the measured batch's. */
    warmupUnanswered: report.warmup === undefined ? 0 : report.warmup.outcome.n - report.warmup.outcome.ok,
    errorKinds: outcome.errorKinds,
    blocked: report.blocked?.count ?? 0,
    requests: server?.requests ?? Number.NaN,
    requestsPerItem: server === undefined || reached === 0 || partial ? Number.NaN : server.requests / reached,
    status429,
    limited429: server?.rateLimitedByLimits ?? 0,
    maxInFlight: server?.maxInFlight ?? Number.NaN,
    serverDuplicates: server?.duplicates ?? 0,
    connections: server?.connections ?? Number.NaN,
    faults: server?.faults ?? {},
    expectedTokens: scenario.stream ? reached * scenario.tokens : undefined,
    ...lateCounts(scenario, server, early),
  };
}

/** 429s and requests after the scenario's `late429AfterMs` (none when the run was over by then). */
function lateCounts(scenario, server, early) {
  if (scenario.late429AfterMs === undefined || server === undefined) return {};
  const late429 = (server.responses?.['429'] ?? 0) - (early?.responses?.['429'] ?? server.responses?.['429'] ?? 0);
  const lateRequests = server.requests - (early?.requests ?? server.requests);
  // Answered requests per second from the poll to the end of the run (the server's counts, so 429s are left out).
  const lateRate = early?.lateMs > 0 ? ((lateRequests - late429) * 1000) / early.lateMs : Number.NaN;
  return { late429, lateRequests, late429Share: lateRequests > 0 ? late429 / lateRequests : 0, lateRate };
}

/** Figures whose ratio to the baseline is shown with an interval from runs paired by round. */
const PAIRED = ['wallMs', 'cpuPerItemUs', 'cpuPerTokenUs', 'throughput', 'requestsPerItem'];

/** Aggregates the runs of one client: medians for figures, worst case for counts that must be zero. */
export function aggregate(runs) {
  const good = runs.filter((run) => run.metrics !== undefined);
  const metrics = good.map((run) => run.metrics);
  const pick = (key) => spread(metrics.map((m) => m[key]));
  const worst = (key) => (metrics.length === 0 ? undefined : Math.max(...metrics.map((m) => m[key] ?? 0)));
  return {
    runs: runs.length,
    goodRuns: good.length,
    broken: runs.filter((run) => run.metrics === undefined).map((run) => run.error),
    partial: metrics.some((m) => m.partial),
    n: metrics[0]?.n,
    reached: pick('reached'),
    wallMs: pick('wallMs'),
    cpuPerItemUs: pick('cpuPerItemUs'),
    cpuPerTokenUs: pick('cpuPerTokenUs'),
    maxRssMB: pick('maxRssMB'),
    stealPct: pick('stealPct'),
    throughput: pick('throughput'),
    requestsPerItem: pick('requestsPerItem'),
    ttftP50: pick('ttftP50'),
    coldTtftP50: pick('coldTtftP50'),
    warmupUnanswered: worst('warmupUnanswered'),
    status429: pick('status429'),
    limited429: pick('limited429'),
    maxInFlight: worst('maxInFlight'),
    failed: worst('failed'),
    lost: worst('lost'),
    duplicateSuccesses: worst('duplicateSuccesses'),
    serverDuplicates: worst('serverDuplicates'),
    blocked: worst('blocked'),
    status429Worst: worst('status429'),
    late429: pick('late429'),
    late429Worst: worst('late429'),
    late429Share: pick('late429Share'),
    lateRate: pick('lateRate'),
    errorKinds: metrics.reduce((all, m) => ({ ...all, ...m.errorKinds }), {}),
    /** One value per round (NaN for a broken run), for ratios paired by round (`paired-ratio.mjs`). */
    series: Object.fromEntries(PAIRED.map((key) => [key, runs.map((run) => run.metrics?.[key] ?? Number.NaN)])),
  };
}
