#!/usr/bin/env node
// rxllm benchmark: `npm run bench [-- --quick] [-- --check]`. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { aggregate, runMetrics } from './lib/aggregate.mjs';
import { stopAll } from './lib/children.mjs';
import { ROOT_DIR } from './lib/from-root.mjs';
import { ensureDist, ensurePeers, environment } from './lib/prepare.mjs';
import { API_KEY, MODEL } from './lib/prompts.mjs';
import { checkProblems, scenarioSection } from './lib/report.mjs';
import { runInChild } from './lib/run-in-child.mjs';
import { CLIENTS, exactLimitServer, scenarios } from './lib/scenarios.mjs';
import { startServer } from './lib/server-control.mjs';

const HELP = `Usage: npm run bench -- [options]

  --quick           small N, one run each (under 2 minutes on 2 cores)
  --check           exit 1 on broken benchmarks, lost items, duplicate successes, or 429s drawn by rxllm
                    in the rate-limit scenario (never on timing)
  --only <ids>      scenarios to run, e.g. "concurrency,streaming" or "1,5"
  --clients <ids>   clients to run: baseline, rxllm, rxllm-parallelChat, rxllm-responses, openai, openai-p-queue, langchain, ai-sdk
  --runs <n>        runs per client (overrides the scenario's)
  --n <n>           prompts per run (overrides the scenario's N, peers included)
  --no-peers        skip the peer libraries (no install)
  --dist <dir>      benchmark another build of rxllm (default: dist/, built by \`npm run build\`)
  --cpu-prof        write a V8 CPU profile of every client process to bench/results/profiles/
                    (<scenario>-<client>-<run>.cpuprofile; summarise with node bench/tools/profile-summary.mjs)
  -h, --help        this text
`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    only: { type: 'string' },
    clients: { type: 'string' },
    runs: { type: 'string' },
    n: { type: 'string' },
    'no-peers': { type: 'boolean', default: false },
    dist: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const log = (line) => process.stderr.write(`${line}\n`);
const started = Date.now();
const resultsDir = join(ROOT_DIR, 'bench', 'results');
const distDir = resolve(args.dist ?? process.env.RXLLM_BENCH_DIST ?? join(ROOT_DIR, 'dist'));
const runsOverride = args.runs === undefined ? undefined : Math.max(1, Math.min(20, Number.parseInt(args.runs, 10) || 1));
const nOverride = args.n === undefined ? undefined : Math.max(1, Math.min(10_000_000, Number.parseInt(args.n, 10) || 1));

async function main() {
  ensureDist(distDir, { isDefault: args.dist === undefined && process.env.RXLLM_BENCH_DIST === undefined });
  let peers = { ok: false, reason: '--no-peers' };
  if (!args['no-peers']) peers = ensurePeers();
  if (!peers.ok) log(`bench: peers skipped: ${peers.reason}`);

  const all = scenarios({ quick: args.quick }).map((s) => (nOverride === undefined ? s : { ...s, n: nOverride, peerN: s.peerN === undefined ? undefined : nOverride }));
  const wanted = args.only?.split(',').map((s) => s.trim());
  const selected = wanted === undefined ? all : all.filter((s, i) => wanted.includes(s.id) || wanted.includes(String(i + 1)));
  if (selected.length === 0) throw new Error(`--only matched no scenario (ids: ${all.map((s) => s.id).join(', ')})`);
  const clientFilter = args.clients?.split(',').map((s) => s.trim());
  for (const id of clientFilter ?? []) if (!(id in CLIENTS)) throw new Error(`unknown client ${id}`);

  const env = environment(distDir);
  const sections = [];
  const problems = [];
  const raw = [];
  const profileDir = args['cpu-prof'] ? join(resultsDir, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  for (const scenario of selected) {
    const clientIds = scenario.clients.filter(
      (id) => (clientFilter === undefined || clientFilter.includes(id)) && (CLIENTS[id].kind !== 'peer' || peers.ok),
    );
    const runsOf = (id) => runsOverride ?? (CLIENTS[id].kind === 'peer' ? scenario.peerRuns : scenario.runs);
    const rounds = Math.max(0, ...clientIds.map(runsOf));
    const slots = rowsOf(scenario, clientIds);
    const runs = Object.fromEntries(slots.map((slot) => [slot.key, []]));
    log(`\n== ${scenario.title}: N = ${scenario.n.toLocaleString('en-US')}, ${slots.length} rows, up to ${rounds} run(s) each`);
    // Rounds interleave the clients, so that a noisy moment on the machine does not land on one client only.
    for (let round = 1; round <= rounds; round += 1) {
      for (const slot of slots) {
        if (round > runsOf(slot.clientId)) continue;
        const run = await runOnce(scenario, slot, round, profileDir);
        runs[slot.key].push(run);
        raw.push({ scenario: scenario.id, client: slot.key, round, ...run });
        log(`  ${scenario.id} ${round}/${runsOf(slot.clientId)} ${slot.label}: ${describe(run)}`);
      }
    }
    const rows = slots.map((slot) => ({ ...slot, kind: CLIENTS[slot.clientId].kind, agg: aggregate(runs[slot.key]) }));
    sections.push(scenarioSection(scenario, rows));
    problems.push(...checkProblems(scenario, rows));
    if (clientFilter === undefined && !clientIds.includes('rxllm')) problems.push(`${scenario.title}: rxllm did not run`);
  }

  env.loadEnd = os.loadavg();
  const markdown = renderMarkdown(env, sections, peers, problems);
  process.stdout.write(`\n${markdown}`);
  const name = args.quick ? 'quick' : wanted !== undefined || clientFilter !== undefined || runsOverride !== undefined || nOverride !== undefined ? 'partial' : 'latest';
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.md`), markdown);
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify({ env, runs: raw, problems }, null, 2)}\n`);
  log(`\nbench: wrote bench/results/${name}.md and ${name}.json in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (args.check) {
    if (problems.length > 0) {
      log(`bench --check: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      return 1;
    }
    log('bench --check: no broken benchmark, nothing lost, no duplicate success, no 429 drawn by rxllm');
  }
  return 0;
}

/**
 * The table rows of a scenario: one per client, or, in a scenario with `limitRows`, one per client and configured rpm
 * (the unlimited row, `Infinity`, for rxllm only: it is the throughput the limits are measured against).
 */
function rowsOf(scenario, clientIds) {
  if (scenario.limitRows === undefined) return clientIds.map((id) => ({ key: id, clientId: id, label: labelOf(scenario, id) }));
  return scenario.limitRows.flatMap((rpm) =>
    clientIds
      .filter((id) => Number.isFinite(rpm) || CLIENTS[id].kind !== 'peer')
      .map((id) => ({
        key: `${id}@${rpm}`,
        clientId: id,
        rpm,
        label: `${labelOf(scenario, id)}, rpm ${Number.isFinite(rpm) ? rpm.toLocaleString('en-US') : 'Infinity (no limit)'}`,
      })),
  );
}

/** A `limitRows` row's job and server: the exact limit enforced by the server, N sized to `secondsPerRow`. */
function limitRow(scenario, rpm) {
  if (!Number.isFinite(rpm)) return { n: scenario.n, server: scenario.server, rateLimit: undefined };
  const { rpmLimit: _r, windowMs: _w, rateLimitAlgorithm: _a, ...rest } = scenario.server;
  return {
    n: Math.min(scenario.n, Math.max(200, Math.round((rpm / 60) * scenario.secondsPerRow))),
    server: { ...rest, ...exactLimitServer(rpm) },
    rateLimit: { rpm, windowMs: 1_000, perWindow: Math.max(1, Math.floor(rpm / 60)) },
  };
}

function labelOf(scenario, id) {
  const client = CLIENTS[id];
  return scenario.stream && client.streamLabel ? client.streamLabel : client.label;
}

/** One run of one client: a fresh server process and a fresh runner process. */
async function runOnce(scenario, slot, round, profileDir) {
  const id = slot.clientId;
  const client = CLIENTS[id];
  const isPeer = client.kind === 'peer';
  const row = slot.rpm === undefined ? { n: scenario.n, server: scenario.server, rateLimit: scenario.rateLimit } : limitRow(scenario, slot.rpm);
  const n = isPeer && scenario.peerN !== undefined ? scenario.peerN : row.n;
  const timeLimitMs = isPeer ? scenario.peerTimeLimitMs : undefined;
  const timeoutMs = hardTimeout(scenario, n, timeLimitMs, row.rateLimit);
  let server;
  let early;
  let earlyTimer;
  try {
    server = await startServer({ distDir, maxLifetimeMs: timeoutMs + 120_000, options: { ...row.server, seed: round } });
    const job = {
      runner: client.runner,
      variant: client.variant,
      scenario: scenario.id,
      baseURL: server.url,
      model: MODEL,
      apiKey: API_KEY,
      n,
      warmup: scenario.warmup ?? 0,
      concurrency: scenario.concurrency,
      stream: scenario.stream === true,
      source: scenario.source ?? 'array',
      rateLimit: row.rateLimit,
      retry: scenario.retry,
      distDir,
      timeLimitMs,
      hardLimitMs: timeoutMs + 30_000,
    };
    // The server's counters `late429AfterMs` after its first request (polled every 100 ms until then, so a client's
    // module loading does not count): the 429s and requests after it are the settled pace's.
    let earlyAt;
    if (scenario.late429AfterMs !== undefined) {
      const watch = async () => {
        const first = await server.stats().catch(() => undefined);
        if ((first?.requests ?? 0) === 0) {
          earlyTimer = setTimeout(watch, 100);
          return;
        }
        earlyTimer = setTimeout(() => {
          earlyAt = performance.now();
          early = server.stats().catch(() => undefined);
        }, scenario.late429AfterMs);
      };
      earlyTimer = setTimeout(watch, 100);
    }
    const report = await runInChild(job, {
      timeoutMs,
      cpuProfileDir: profileDir,
      cpuProfileName: `${scenario.id}-${id}-${round}.cpuprofile`,
    });
    if (!report.ok) return { error: `${report.error}${report.output ? `\n${report.output.slice(-2000)}` : ''}` };
    clearTimeout(earlyTimer);
    const lateMs = earlyAt === undefined ? undefined : performance.now() - earlyAt;
    const stats = await server.stats();
    const earlyStats = early === undefined ? undefined : { ...(await early), lateMs };
    return { metrics: runMetrics(report, stats, { ...scenario, rateLimit: row.rateLimit, rpmRow: slot.rpm }, earlyStats) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(earlyTimer);
    await server?.stop();
  }
}

/** Generous ceilings: a run that takes longer is broken, not slow. */
function hardTimeout(scenario, n, timeLimitMs, rateLimit) {
  if (timeLimitMs !== undefined) return timeLimitMs + 60_000;
  if (scenario.expectedMs !== undefined) return 60_000 + 10 * scenario.expectedMs;
  if (typeof rateLimit?.rpm === 'number' && Number.isFinite(rateLimit.rpm)) return Math.min(20 * 60_000, 60_000 + 10 * n * Math.max(60_000 / rateLimit.rpm, 5)); // peers: ~13 ms/item on a loaded machine
  const perItemMs = scenario.stream ? 50 : scenario.id === 'rate-limit' ? 60_000 / scenario.rateLimit.rpm : 2;
  return Math.min(20 * 60_000, 60_000 + 10 * n * perItemMs);
}

function describe(run) {
  if (run.metrics === undefined) return `BROKEN: ${String(run.error).split('\n')[0]}`;
  const m = run.metrics;
  const parts = [
    `${(m.wallMs / 1000).toFixed(2)} s`,
    m.partial ? `reached ${m.reached}/${m.n} (time cap)` : undefined,
    `${Math.round(m.throughput)} req/s`,
    `cpu ${Math.round(m.cpuPerItemUs)} µs/item`,
    m.tokens && m.expectedTokens ? `${m.cpuPerTokenUs.toFixed(1)} µs/token, ttft p50 ${m.ttftP50?.toFixed(1)} ms` : undefined,
    m.coldTtftP50 === undefined ? undefined : `cold ttft p50 ${m.coldTtftP50.toFixed(1)} ms`,
    `rss ${Math.round(m.maxRssMB)} MB`,
    Number.isFinite(m.stealPct) ? `steal ${Math.round(m.stealPct)} %` : undefined,
    `req/item ${m.requestsPerItem.toFixed(3)}`,
    `429s ${m.status429}`,
    m.late429 === undefined ? undefined : `late 429s ${m.late429} of ${m.lateRequests} requests`,
    m.lateRate === undefined || !Number.isFinite(m.lateRate) ? undefined : `late rate ${m.lateRate.toFixed(1)} req/s`,
    `failed ${m.failed}`,
    `lost ${m.lost}`,
    `dup ${m.duplicateSuccesses}`,
  ];
  return parts.filter(Boolean).join(', ');
}

function renderMarkdown(env, sections, peers, problems) {
  const load = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  const lines = [
    `## Results${args.quick ? ' (--quick: small N, one run each — not the measurement)' : ''}`,
    '',
    `- Date: ${env.date}; Node ${env.node}; ${env.os}; ${env.cpu}; ${env.memoryGB} GB RAM`,
    `- Load average (1/5/15 min) at start ${load(env.loadStart)}, at end ${load(env.loadEnd)} — figures taken on a busy machine are noisy`,
    `- rxllm ${env.rxllm} from \`${env.distDir.startsWith(ROOT_DIR) ? env.distDir.slice(ROOT_DIR.length) : env.distDir}\``,
    `- ${Object.entries(env.packages).map(([name, version]) => `${name} ${version}`).join(', ')}`,
    peers.ok ? undefined : `- Peers skipped: ${peers.reason}`,
    '- Each run: a fresh mock-server process and a fresh client process; wall time and client CPU (user + system, all threads) cover the run only, not module loading; peak RSS is the client process\'s `maxRSS`. Figures: median (min–max) over the runs. Stolen CPU: the share of the machine\'s CPU time (all cores, `/proc/stat`) the hypervisor gave to other guests during the run; where it is high, timings are noisy.',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].filter((line) => line !== undefined);
  if (problems.length > 0) lines.push('### Problems (`--check` fails on these)', '', ...problems.map((p) => `- ${p}`), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  log(`bench: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await stopAll();
}
process.exit(exitCode);
