// Markdown tables, targets and --check verdicts from the aggregated results.
import { pairedRatio } from './paired-ratio.mjs';

const dash = '—';

function fmt(value, digits) {
  if (value === undefined || !Number.isFinite(value)) return dash;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)" or just the median for a single run. */
function ranged(stat, digits, scale = 1) {
  if (stat === undefined) return dash;
  const median = fmt(stat.median * scale, digits);
  if (stat.count < 2) return median;
  return `${median} (${fmt(stat.min * scale, digits)}–${fmt(stat.max * scale, digits)})`;
}

function ratio(stat, base, digits = 2) {
  if (stat === undefined || base === undefined || !(base.median > 0)) return dash;
  return `${fmt(stat.median / base.median, digits)}×`;
}

/**
 * The ratio of `key` to the baseline's: from runs paired by round when there are two pairs or more (geometric mean
 * and 95 % interval, `*` when the interval includes 1), else the ratio of the medians.
 */
function pairedCell(a, base, key, digits = 2) {
  const paired = base === undefined || a === base ? undefined : pairedRatio(a.series?.[key] ?? [], base.series?.[key] ?? []);
  if (paired === undefined || paired.low === undefined) return ratio(a[key], base?.[key], digits);
  const noise = paired.low <= 1 && paired.high >= 1 ? ' *' : '';
  return `${fmt(paired.ratio, digits)}× (${fmt(paired.low, digits)}–${fmt(paired.high, digits)})${noise}`;
}

function count(value) {
  return value === undefined ? dash : fmt(value, 0);
}

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

function table(header, rows) {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

/** The machine's CPU the hypervisor gave to other guests during the runs: high values mean noisy timings. */
const STOLEN = ['Stolen CPU %', (a) => ranged(a.stealPct, 0)];

/** Column definitions per scenario: [header, (agg, ctx) => cell]. */
const COLUMNS = {
  concurrency: (s) => [
    ['Wall s', (a) => ranged(a.wallMs, 2, 1e-3)],
    ['× baseline', (a, c) => pairedCell(a, c.base, 'wallMs')],
    [`× ideal (${fmt(ideal(s) / 1000, 2)} s)`, (a) => (a.wallMs ? `${fmt(a.wallMs.median / ideal(s), 2)}×` : dash)],
    ['CPU/item µs', (a) => ranged(a.cpuPerItemUs, 0)],
    ['CPU × baseline', (a, c) => pairedCell(a, c.base, 'cpuPerItemUs')],
    ['Peak RSS MB', (a) => ranged(a.maxRssMB, 0)],
    STOLEN,
    ['Max in flight', (a) => count(a.maxInFlight)],
    ['429s', (a) => count(a.status429Worst)],
    ['Failed', (a) => count(a.failed)],
    ['Lost', (a) => count(a.lost)],
    ['Dup', (a) => count(a.duplicateSuccesses)],
  ],
  'rate-limit': (s) => [
    ['Wall s', (a) => ranged(a.wallMs, 2, 1e-3)],
    ['Rate req/s', (a) => ranged(a.throughput, 1)],
    ['% of limit', (a) => (a.throughput ? `${fmt((100 * a.throughput.median) / limitPerSecond(s), 1)} %` : dash)],
    ['Server 429s', (a) => ranged(a.status429, 0)],
    ['Requests/item', (a) => ranged(a.requestsPerItem, 3)],
    ['CPU/item µs', (a) => ranged(a.cpuPerItemUs, 0)],
    ['Peak RSS MB', (a) => ranged(a.maxRssMB, 0)],
    STOLEN,
    ['Failed', (a) => count(a.failed)],
    ['Lost', (a) => count(a.lost)],
    ['Dup', (a) => count(a.duplicateSuccesses)],
  ],
  faults: () => [
    ['Wall s', (a) => ranged(a.wallMs, 2, 1e-3)],
    ['× baseline', (a, c) => pairedCell(a, c.base, 'wallMs')],
    ['Requests/item', (a) => ranged(a.requestsPerItem, 3)],
    ['Server 429s', (a) => ranged(a.status429, 0)],
    ['CPU/item µs', (a) => ranged(a.cpuPerItemUs, 0)],
    ['CPU × baseline', (a, c) => pairedCell(a, c.base, 'cpuPerItemUs')],
    ['Peak RSS MB', (a) => ranged(a.maxRssMB, 0)],
    STOLEN,
    ['Failed', (a) => count(a.failed)],
    ['Lost', (a) => count(a.lost)],
    ['Dup successes', (a) => count(a.duplicateSuccesses)],
    ['Answered twice (server)', (a) => count(a.serverDuplicates)],
  ],
  'per-request-429': () => [
    ['Wall s', (a) => ranged(a.wallMs, 2, 1e-3)],
    ['× baseline', (a, c) => pairedCell(a, c.base, 'wallMs')],
    ['Requests/item', (a) => ranged(a.requestsPerItem, 3)],
    ['Requests/item × baseline', (a, c) => pairedCell(a, c.base, 'requestsPerItem', 3)],
    ['Server 429s', (a) => ranged(a.status429, 0)],
    ['CPU/item µs', (a) => ranged(a.cpuPerItemUs, 0)],
    ['Peak RSS MB', (a) => ranged(a.maxRssMB, 0)],
    STOLEN,
    ['Failed', (a) => count(a.failed)],
    ['Lost', (a) => count(a.lost)],
    ['Dup successes', (a) => count(a.duplicateSuccesses)],
    ['Answered twice (server)', (a) => count(a.serverDuplicates)],
  ],
  'auto-limit': (s) => [
    ['Wall s', (a) => ranged(a.wallMs, 2, 1e-3)],
    ['Rate req/s', (a) => ranged(a.throughput, 1)],
    [`% of the ${fmt(s.capacityPerSecond, 0)}/s left`, (a) => ranged(a.throughput, 1, 100 / s.capacityPerSecond)],
    [`% of it after ${fmt(s.late429AfterMs / 1000, 0)} s`, (a) => ranged(a.lateRate, 1, 100 / s.capacityPerSecond)],
    ['Server 429s', (a) => ranged(a.status429, 0)],
    [`429s after ${fmt(s.late429AfterMs / 1000, 0)} s`, (a) => ranged(a.late429, 0)],
    ['Requests/item', (a) => ranged(a.requestsPerItem, 3)],
    ['CPU/item µs', (a) => ranged(a.cpuPerItemUs, 0)],
    STOLEN,
    ['Failed', (a) => count(a.failed)],
    ['Lost', (a) => count(a.lost)],
    ['Dup', (a) => count(a.duplicateSuccesses)],
  ],
  'headerless-limit': (s) => [
    ['Wall s', (a) => ranged(a.wallMs, 2, 1e-3)],
    ['Rate req/s', (a) => ranged(a.throughput, 1)],
    ['% of limit', (a) => ranged(a.throughput, 1, 100 / s.capacityPerSecond)],
    ['Server 429s', (a) => ranged(a.status429, 0)],
    [`% 429 after ${fmt(s.late429AfterMs / 1000, 0)} s`, (a) => ranged(a.late429Share, 2, 100)],
    ['Requests/item', (a) => ranged(a.requestsPerItem, 3)],
    STOLEN,
    ['Failed', (a) => count(a.failed)],
    ['Lost', (a) => count(a.lost)],
    ['Dup', (a) => count(a.duplicateSuccesses)],
  ],
  'exact-limits': () => [
    ['N', (a) => count(a.n)],
    ['Wall s', (a) => ranged(a.wallMs, 2, 1e-3)],
    ['Rate req/s', (a) => ranged(a.throughput, 1)],
    ['% of min(limit, unlimited)', (a, c) => ranged(a.throughput, 1, 100 / attainable(c.row.rpm, c.unlimited))],
    ['Server 429s', (a) => ranged(a.status429, 0)],
    ['CPU/item µs', (a) => ranged(a.cpuPerItemUs, 0)],
    STOLEN,
    ['Failed', (a) => count(a.failed)],
    ['Lost', (a) => count(a.lost)],
  ],
  scale: () => [
    ['N', (a) => reachedCell(a)],
    ['Wall s', (a) => ranged(a.wallMs, 2, 1e-3)],
    ['req/s', (a) => ranged(a.throughput, 0)],
    ['× baseline', (a, c) => pairedCell(a, c.base, 'throughput')],
    ['CPU/item µs', (a) => ranged(a.cpuPerItemUs, 0)],
    ['CPU × baseline', (a, c) => pairedCell(a, c.base, 'cpuPerItemUs')],
    ['Peak RSS MB', (a) => ranged(a.maxRssMB, 0)],
    STOLEN,
    ['Failed', (a) => count(a.failed)],
    ['Lost', (a) => (a.partial ? dash : count(a.lost))],
  ],
  streaming: () => [
    ['Wall s', (a) => ranged(a.wallMs, 2, 1e-3)],
    ['× baseline', (a, c) => pairedCell(a, c.base, 'wallMs')],
    ['CPU/token µs', (a) => ranged(a.cpuPerTokenUs, 1)],
    ['CPU × baseline', (a, c) => pairedCell(a, c.base, 'cpuPerTokenUs')],
    ['TTFT p50 ms', (a) => ranged(a.ttftP50, 2)],
    ['TTFT − baseline ms', (a, c) => difference(a.ttftP50, c.base?.ttftP50)],
    ['Cold TTFT p50 ms', (a) => ranged(a.coldTtftP50, 2)],
    ['Cold − baseline ms', (a, c) => difference(a.coldTtftP50, c.base?.coldTtftP50)],
    ['Peak RSS MB', (a) => ranged(a.maxRssMB, 0)],
    STOLEN,
    ['Failed', (a) => count(a.failed)],
    ['Lost', (a) => count(a.lost)],
  ],
};

/** The difference of two medians, or a dash. */
function difference(stat, base) {
  return stat && base ? fmt(stat.median - base.median, 2) : dash;
}

function reachedCell(a) {
  if (a.reached === undefined) return dash;
  const reached = fmt(a.reached.median, 0);
  const n = fmt(a.n, 0);
  return a.partial ? `${reached} of ${n} (time cap)` : n;
}

/** ceil(N / C) × latency, the wall time of a perfect client against this server. */
export function ideal(scenario) {
  return Math.ceil(scenario.n / scenario.concurrency) * scenario.latencyMs;
}

/**
 * What a limited row can reach per second: its limit, or the same client's unlimited rate in the same run where that
 * is lower (a limit must never be the bottleneck below itself).
 */
function attainable(rpm, unlimited) {
  if (rpm === undefined || !Number.isFinite(rpm)) return unlimited ?? Number.NaN;
  return Math.min(rpm / 60, unlimited ?? Number.POSITIVE_INFINITY);
}

/** The median rate of rxllm's unlimited row in a scenario with `limitRows`. */
function unlimitedRate(rows) {
  return rows.find((r) => r.clientId === 'rxllm' && r.rpm !== undefined && !Number.isFinite(r.rpm))?.agg.throughput?.median;
}

function limitPerSecond(scenario) {
  return scenario.rateLimit.rpm / 60;
}

/** The markdown section of one scenario: description, table, targets, broken runs. */
export function scenarioSection(scenario, rows) {
  const base = rows.find((r) => r.clientId === 'baseline')?.agg;
  const columns = COLUMNS[scenario.id](scenario);
  const unlimited = unlimitedRate(rows);
  const body = rows.map((r) => [r.label, ...columns.map(([, cell]) => cell(r.agg, { base, row: r, unlimited }))]);
  const lines = [`### ${scenario.title}`, '', `${scenario.summary} N = ${fmt(scenario.n, 0)}${scenario.peerN ? ` (peers: ${fmt(scenario.peerN, 0)})` : ''}; runs: ${describeRuns(rows)}.`, ''];
  lines.push(table(['Client', ...columns.map(([header]) => header)], body), '');
  if (body.some((cells) => cells.some((cell) => cell.endsWith(' *')))) {
    lines.push('Ratios to the baseline: geometric mean of the ratios of runs paired by round, with its 95 % interval; `*`: the interval includes 1, so these runs cannot tell that figure from the baseline\'s.', '');
  }
  const targets = evaluateTargets(scenario, rows);
  if (targets.length > 0) {
    lines.push('Targets (rxllm):', '');
    for (const target of targets) lines.push(`- ${target.info ? '·' : target.met === undefined ? '?' : target.met ? '✅' : '❌'} ${target.text}`);
    lines.push('');
  }
  for (const r of rows) {
    if (r.agg.broken.length > 0) lines.push(`- ⚠️ ${r.label}: ${r.agg.broken.length} broken run(s): ${oneLine(r.agg.broken[0])}`);
    if (r.agg.blocked > 0) lines.push(`- ⚠️ ${r.label}: the network guard blocked ${r.agg.blocked} non-local request(s).`);
    const kinds = Object.entries(r.agg.errorKinds ?? {});
    if (kinds.length > 0 && (r.agg.failed ?? 0) > 0) {
      lines.push(`- ${r.label}: failures by error: ${kinds.map(([kind, n]) => `${kind} × ${n}`).join(', ')}.`);
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function describeRuns(rows) {
  const counts = [...new Set(rows.map((r) => r.agg.runs))];
  return counts.length === 1 ? `${counts[0]} per client` : rows.map((r) => `${r.label} ${r.agg.runs}`).join(', ');
}

function oneLine(text) {
  return String(text ?? '').split('\n')[0].slice(0, 200);
}

/** rxllm's targets from issue 6, evaluated on the medians (reported, never fatal). */
export function evaluateTargets(scenario, rows) {
  if (scenario.id === 'exact-limits') return exactLimitTargets(rows);
  const rx = rows.find((r) => r.clientId === 'rxllm')?.agg;
  const base = rows.find((r) => r.clientId === 'baseline')?.agg;
  if (rx === undefined || rx.goodRuns === 0) return [];
  const r = (a, b) => (a && b && b.median > 0 ? a.median / b.median : Number.NaN);
  const out = [];
  const add = (value, limit, text, lowerIsBetter = true) =>
    out.push({ met: Number.isFinite(value) ? (lowerIsBetter ? value <= limit : value >= limit) : undefined, text });
  switch (scenario.id) {
    case 'concurrency': {
      const wall = r(rx.wallMs, base?.wallMs);
      const cpu = r(rx.cpuPerItemUs, base?.cpuPerItemUs);
      add(wall, 1.05, `wall ≤ 1.05 × baseline: ${fmt(wall, 3)}× (rxllm ${fmt(rx.wallMs.median / 1000, 2)} s, baseline ${fmt(base?.wallMs?.median / 1000, 2)} s, ideal ${fmt(ideal(scenario) / 1000, 2)} s)`);
      add(cpu, 1.05, `CPU per request ≤ 1.05 × baseline: ${fmt(cpu, 3)}× (${fmt(rx.cpuPerItemUs?.median, 0)} µs vs ${fmt(base?.cpuPerItemUs?.median, 0)} µs)${interval(rx, base, 'cpuPerItemUs')}`);
      addResponsesTarget(rows, rx, 'cpuPerItemUs', 'CPU per request', 'µs', add, r);
      break;
    }
    case 'rate-limit': {
      const percent = rx.throughput ? (100 * rx.throughput.median) / limitPerSecond(scenario) : Number.NaN;
      add(rx.status429Worst, 0, `zero server 429s: ${fmt(rx.status429Worst, 0)} (worst run)`);
      add(percent, 97, `achieved rate ≥ 97 % of the limit: ${fmt(percent, 1)} %`, false);
      break;
    }
    case 'auto-limit': {
      const percent = rx.lateRate ? (100 * rx.lateRate.median) / scenario.capacityPerSecond : Number.NaN;
      const whole = rx.throughput ? (100 * rx.throughput.median) / scenario.capacityPerSecond : Number.NaN;
      add(rx.late429Worst, 0, `zero server 429s after the first ${fmt(scenario.late429AfterMs / 1000, 0)} s: ${fmt(rx.late429Worst, 0)} (worst run; ${fmt(rx.status429Worst, 0)} in all)`);
      add(percent, 95, `≥ 95 % of the capacity left to the client used after the first ${fmt(scenario.late429AfterMs / 1000, 0)} s: ${fmt(percent, 1)} % of ${fmt(scenario.capacityPerSecond, 0)} requests/s (${fmt(whole, 1)} % over the whole run, its start included)`, false);
      break;
    }
    case 'headerless-limit': {
      const percent = rx.throughput ? (100 * rx.throughput.median) / scenario.capacityPerSecond : Number.NaN;
      const share = rx.late429Share === undefined ? Number.NaN : 100 * rx.late429Share.max;
      add(share, 1, `≤ 1 % of requests answered 429 after the first window: ${fmt(share, 2)} % (worst run)`);
      add(percent, 90, `≥ 90 % of the limit achieved: ${fmt(percent, 1)} %`, false);
      add(rx.lost + rx.failed, 0, `nothing lost: ${fmt(rx.lost, 0)} lost, ${fmt(rx.failed, 0)} failed after retries (worst run)`);
      break;
    }
    case 'faults':
      add(rx.lost + rx.failed, 0, `zero lost: ${fmt(rx.lost, 0)} lost, ${fmt(rx.failed, 0)} failed after retries (worst run)`);
      add(rx.duplicateSuccesses, 0, `zero duplicate successes: ${fmt(rx.duplicateSuccesses, 0)}`);
      add(rx.requestsPerItem?.median, 1.15, `requests per item ≤ 1.15: ${fmt(rx.requestsPerItem?.median, 3)}`);
      break;
    case 'per-request-429': {
      const wall = r(rx.wallMs, base?.wallMs);
      const requests = r(rx.requestsPerItem, base?.requestsPerItem);
      add(rx.lost + rx.failed, 0, `zero lost: ${fmt(rx.lost, 0)} lost, ${fmt(rx.failed, 0)} failed after retries (worst run)`);
      add(rx.duplicateSuccesses, 0, `zero duplicate successes: ${fmt(rx.duplicateSuccesses, 0)}`);
      add(wall, 1.1, `wall ≤ 1.1 × baseline: ${fmt(wall, 3)}× (${fmt(rx.wallMs?.median / 1000, 2)} s vs ${fmt(base?.wallMs?.median / 1000, 2)} s)${interval(rx, base, 'wallMs')}`);
      add(requests, 1.0, `requests per item ≤ the baseline's: ${fmt(rx.requestsPerItem?.median, 3)} vs ${fmt(base?.requestsPerItem?.median, 3)}`);
      break;
    }
    case 'scale': {
      const speed = r(rx.throughput, base?.throughput);
      add(rx.maxRssMB?.max, 150, `peak RSS ≤ 150 MB at N = ${fmt(scenario.n, 0)}: ${fmt(rx.maxRssMB?.max, 0)} MB (worst run)`);
      add(speed, 0.75, `throughput ≥ 0.75 × baseline: ${fmt(speed, 3)}× (${fmt(rx.throughput?.median, 0)} vs ${fmt(base?.throughput?.median, 0)} req/s)`, false);
      break;
    }
    case 'streaming': {
      const cpu = r(rx.cpuPerTokenUs, base?.cpuPerTokenUs);
      const overhead = rx.ttftP50 && base?.ttftP50 ? rx.ttftP50.median - base.ttftP50.median : Number.NaN;
      add(cpu, 1.05, `CPU per token ≤ 1.05 × baseline: ${fmt(cpu, 3)}× (${fmt(rx.cpuPerTokenUs?.median, 1)} µs vs ${fmt(base?.cpuPerTokenUs?.median, 1)} µs)${interval(rx, base, 'cpuPerTokenUs')}`);
      add(overhead, 1, `time-to-first-token overhead ≤ 1 ms at the median: ${fmt(overhead, 2)} ms (${fmt(rx.ttftP50?.median, 2)} vs ${fmt(base?.ttftP50?.median, 2)} ms)`);
      addResponsesTarget(rows, rx, 'cpuPerTokenUs', 'CPU per token', 'µs', add, r);
      if (rx.coldTtftP50 && base?.coldTtftP50) {
        const cold = rx.coldTtftP50.median - base.coldTtftP50.median;
        out.push({ info: true, text: `(not a target) the same overhead in the cold warm-up batch: ${fmt(cold, 2)} ms (${fmt(rx.coldTtftP50.median, 2)} vs ${fmt(base.coldTtftP50.median, 2)} ms)` });
      }
      break;
    }
  }
  return out;
}

/** Issue 18's targets per limited rxllm row: ≥ 99 % of min(limit, unlimited rate), zero 429s. */
function exactLimitTargets(rows) {
  const unlimited = unlimitedRate(rows);
  const out = [];
  for (const r of rows) {
    if (r.clientId !== 'rxllm' || !Number.isFinite(r.rpm) || r.agg.goodRuns === 0) continue;
    const percent = (100 * (r.agg.throughput?.median ?? Number.NaN)) / attainable(r.rpm, unlimited);
    const met = Number.isFinite(percent) ? percent >= 99 && r.agg.status429Worst === 0 : undefined;
    out.push({
      met,
      text: `rpm ${fmt(r.rpm, 0)}: ${fmt(percent, 1)} % of min(${fmt(r.rpm / 60, 1)}, unlimited ${fmt(unlimited, 0)}) requests/s (≥ 99 %), ${fmt(r.agg.status429Worst, 0)} 429s (0)`,
    });
  }
  return out;
}

/** Issue 19's target: the Responses adapter's CPU within 1.1 × the Chat Completions adapter's (when it ran). */
function addResponsesTarget(rows, rx, key, what, unit, add, r) {
  const responses = rows.find((row) => row.clientId === 'rxllm-responses')?.agg;
  if (responses === undefined || responses.goodRuns === 0) return;
  const ratio = r(responses[key], rx[key]);
  add(ratio, 1.1, `Responses API ${what} ≤ 1.1 × Chat Completions: ${fmt(ratio, 3)}× (${fmt(responses[key]?.median, 1)} ${unit} vs ${fmt(rx[key]?.median, 1)} ${unit})${interval(responses, rx, key)}`);
}

/** `; paired by round: 1.03× (0.99–1.07, 95 %)`, or nothing with fewer than two pairs. */
function interval(rx, base, key) {
  const paired = base === undefined ? undefined : pairedRatio(rx.series?.[key] ?? [], base.series?.[key] ?? []);
  if (paired?.low === undefined) return '';
  const noise = paired.low <= 1 && paired.high >= 1 ? '; the interval includes 1' : '';
  return `; paired by round: ${fmt(paired.ratio, 3)}× (${fmt(paired.low, 3)}–${fmt(paired.high, 3)}, 95 %, ${paired.pairs} pairs${noise})`;
}

/**
 * What `--check` fails on: broken runs, rxllm or baseline items lost / failed / answered twice, peers' items
 * unaccounted for, 429s drawn by rxllm in the rate-limit scenario, traffic the guard blocked. Never timing.
 */
export function checkProblems(scenario, rows) {
  const problems = [];
  for (const { clientId, label, kind, agg, rpm } of rows) {
    const where = `${scenario.title} / ${label}`;
    if (agg.broken.length > 0) problems.push(`${where}: ${agg.broken.length} broken run(s): ${oneLine(agg.broken[0])}`);
    if (agg.goodRuns === 0) continue;
    if (agg.duplicateSuccesses > 0) problems.push(`${where}: ${agg.duplicateSuccesses} duplicate successes`);
    if (agg.lost > 0) problems.push(`${where}: ${agg.lost} items lost (no outcome at all)`);
    if (agg.blocked > 0) problems.push(`${where}: ${agg.blocked} non-local requests blocked`);
    if (kind !== 'peer' && agg.failed > 0) problems.push(`${where}: ${agg.failed} items failed`);
    if (kind !== 'peer' && agg.warmupUnanswered > 0) problems.push(`${where}: ${agg.warmupUnanswered} warm-up items unanswered`);
    if (clientId === 'rxllm' && scenario.id === 'auto-limit' && agg.late429Worst > 0) {
      problems.push(`${where}: the server answered 429 ${agg.late429Worst} times after the first ${scenario.late429AfterMs / 1000} s`);
    }
    if (clientId === 'rxllm' && scenario.id === 'exact-limits' && Number.isFinite(rpm) && agg.status429Worst > 0) {
      problems.push(`${where}: the server answered 429 ${agg.status429Worst} times`);
    }
    if (clientId === 'rxllm' && scenario.id === 'rate-limit' && agg.status429Worst > 0) {
      problems.push(`${where}: the server answered 429 ${agg.status429Worst} times`);
    }
    if (clientId === 'rxllm' && (scenario.id === 'concurrency' || scenario.id === 'scale') && agg.maxInFlight > scenario.concurrency) {
      problems.push(`${where}: ${agg.maxInFlight} requests in flight, above maxActive ${scenario.concurrency}`);
    }
  }
  return problems;
}
