#!/usr/bin/env node
// Issue 22's measurements: 4 worker processes share one rate budget through redisLimiterStore against the mock
// server enforcing the same limit (scaled to a 1-second window). Needs `npm run build` and `redis-server` on PATH.
//
//   node bench/tools/redis-shared-limiter.mjs [--seconds 8] [--algorithm token-bucket|sliding-window] [--only tpm,kill]
//
// Scenarios: rpm (server 429s, combined rate vs limit), tpm (the same in tokens), kill (one worker SIGKILLed
// mid-run under a tpm limit: the others' rate per second before and after, lease 2 s), skew (one worker's clock
// ±2 s, faked through the limiter's scheduler, which is the `nowMs` the store receives), headerless (`rpm: 'auto'`
// against a fixed window that sends no rate-limit headers: the adaptive slow-down shared through the store; refused
// prompts are retried, and the rate counts successes). Every scenario reports the
// added latency of each reservation (one `reserve` round trip to Redis), p50/p99.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { importFromRoot, ROOT_DIR } from '../lib/from-root.mjs';

const WORKERS = 4;
const SELF = fileURLToPath(import.meta.url);
const dist = (file) => pathToFileURL(join(ROOT_DIR, 'dist', file)).href;

if (process.argv[2] === '--worker') await worker(JSON.parse(process.argv[3]));
else await main();

async function main() {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '8' }, algorithm: { type: 'string', default: 'token-bucket' }, only: { type: 'string' } } });
  const seconds = Number(values.seconds);
  const { startMockServer } = await import(dist('testing.js'));
  const redis = await startRedis();
  try {
    const rps = 50; // 3,000 rpm
    const tokensPerSecond = 2_000; // 120,000 tpm
    const scenarios = [
      { name: 'rpm', server: { rpmLimit: rps }, limits: { rpm: rps * 60 } },
      // The window is scaled from a minute to a second, so the token burst is scaled too (the default is a minute's 1/60).
      { name: 'tpm', server: { tpmLimit: tokensPerSecond }, limits: { rpm: 60_000, tpm: tokensPerSecond * 60, tokenBurst: tokensPerSecond / 60 } },
      { name: 'kill', server: { tpmLimit: tokensPerSecond }, limits: { rpm: 60_000, tpm: tokensPerSecond * 60, tokenBurst: tokensPerSecond / 60 }, killAtMs: (seconds * 1000) / 2, leaseMs: 2_000 },
      { name: 'skew +2s', server: { rpmLimit: rps }, limits: { rpm: rps * 60 }, skewMs: 2_000 },
      { name: 'skew -2s', server: { rpmLimit: rps }, limits: { rpm: rps * 60 }, skewMs: -2_000 },
      { name: 'headerless', server: { rpmLimit: rps, rateLimitHeaders: 'none', rateLimitAlgorithm: 'fixed-window' }, limits: { rpm: 'auto' }, maxRetries: 50 },
    ];
    const only = values.only?.split(',');
    for (const scenario of scenarios.filter((candidate) => only === undefined || only.includes(candidate.name.replace(/\s.*/, '')))) {
      // token-bucket, as most real APIs count; the strict sliding window also 429s on arrival jitter at 100 % of it.
      const server = await startMockServer({ windowMs: 1_000, rateLimitAlgorithm: values.algorithm, latencyMs: [5, 30], answerTokens: 40, trackDeliveries: false, ...scenario.server });
      try {
        report(scenario, await runScenario(scenario, server, redis, seconds), server.stats(), seconds);
      } finally {
        await server.close();
      }
    }
  } finally {
    await redis.stop();
  }
}

async function runScenario(scenario, server, redis, seconds) {
  const key = `bench-${scenario.name.replace(/\W/g, '')}-${Date.now()}`;
  let ready = 0;
  let go;
  const allReady = new Promise((resolve) => (go = resolve));
  const children = Array.from({ length: WORKERS }, (_, index) => {
    const job = { index, url: redis.url, key, baseURL: server.openaiBaseURL, limits: scenario.limits, seconds, leaseMs: scenario.leaseMs, maxRetries: scenario.maxRetries ?? 0, skewMs: index === WORKERS - 1 ? (scenario.skewMs ?? 0) : 0 };
    const child = spawn(process.execPath, [SELF, '--worker', JSON.stringify(job)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    child.on('message', (message) => {
      if (message === 'ready' && ++ready === WORKERS) go();
      else if (typeof message === 'object') result = message;
    });
    const done = new Promise((resolve) => child.on('close', () => resolve(result)));
    return { child, done };
  });
  await allReady; // every worker connected and loaded: start together
  for (const { child } of children) child.send('go');
  if (scenario.killAtMs !== undefined) setTimeout(() => children[0].child.kill('SIGKILL'), scenario.killAtMs);
  return Promise.all(children.map((child) => child.done));
}

function report(scenario, results, stats, seconds) {
  const live = results.filter(Boolean);
  const grants = live.flatMap((result) => result.grants).sort((a, b) => a - b);
  const sends = live.flatMap((result) => result.done).sort((a, b) => a.at - b.at);
  const reserve = live.flatMap((result) => result.reserveMs).sort((a, b) => a - b);
  const pct = (p) => reserve[Math.min(reserve.length - 1, Math.floor((p / 100) * reserve.length))]?.toFixed(2);
  if (sends.length < 2) return console.log('no results', JSON.stringify(results).slice(0, 300));
  const span = (sends.at(-1).at - sends[0].at) / 1000;
  const tokens = sends.reduce((sum, send) => sum + send.tokens, 0);
  const limit = scenario.limits.tpm === undefined ? `${scenario.server.rpmLimit} req/s` : `${scenario.limits.tpm / 60} tokens/s`;
  const grantSpan = (grants.at(-1) - grants[0]) / 1000;
  const rps = scenario.server.rpmLimit;
  const rate = scenario.limits.tpm !== undefined ? tokens / span : scenario.limits.rpm === 'auto' ? (sends.length - 1) / span : (grants.length - 1) / grantSpan;
  const share = scenario.limits.tpm === undefined ? rate / rps : rate / (scenario.limits.tpm / 60);
  console.log(`\n## ${scenario.name}: ${WORKERS} workers, limit ${limit}, ${seconds} s`);
  const failed = live.reduce((sum, result) => sum + result.failures, 0);
  if (failed > 0) console.log(`failed results: ${failed} (first: ${live.find((result) => result.firstFailure)?.firstFailure})`);
  console.log(`requests ${stats.requests}, server 429s ${stats.rateLimitedByLimits}, combined ${rate.toFixed(1)}/s = ${(share * 100).toFixed(1)} % of the limit`);
  if (scenario.limits.tpm !== undefined) {
    const estimated = live.reduce((sum, result) => sum + result.estimated, 0);
    console.log(`tokens per request: estimated ${(estimated / grants.length).toFixed(1)}, used ${(tokens / sends.length).toFixed(1)}`);
  }
  console.log(`reserve round trip (added latency per reservation): p50 ${pct(50)} ms, p99 ${pct(99)} ms (${reserve.length} calls)`);
  if (scenario.killAtMs !== undefined) {
    const first = sends[0].at;
    const perSecond = [];
    for (const send of sends) {
      const slot = Math.floor((send.at - first) / 1000);
      perSecond[slot] = (perSecond[slot] ?? 0) + send.tokens;
    }
    console.log(`tokens per second (worker 0 killed at ${scenario.killAtMs / 1000} s, lease ${scenario.leaseMs / 1000} s): ${Array.from(perSecond, (value) => value ?? 0).join(' ')}`);
  }
}

async function worker(job) {
  const rxllm = await import(dist('index.js'));
  const { createClient } = await importFromRoot('redis');
  const { asyncScheduler, lastValueFrom, tap, ignoreElements, defaultIfEmpty } = await importFromRoot('rxjs');
  const client = createClient({ url: job.url });
  client.on('error', () => undefined);
  await client.connect();
  const store = rxllm.redisLimiterStore(client, { key: job.key, ...(job.leaseMs === undefined ? {} : { leaseMs: job.leaseMs }) });
  const reserveMs = [];
  const grants = [];
  let estimated = 0;
  const timed = {
    reserve: async (...args) => {
      const started = performance.now();
      try {
        const result = await store.reserve(...args);
        if (result.granted) {
          grants.push(Date.now());
          estimated += args[1].tokens;
        }
        return result;
      } finally {
        reserveMs.push(performance.now() - started);
      }
    },
    adjust: (...args) => store.adjust(...args),
    pauseUntil: (...args) => store.pauseUntil(...args),
  };
  const scheduler = { now: () => asyncScheduler.now() + job.skewMs, schedule: (...args) => asyncScheduler.schedule(...args) };
  const limiter = rxllm.rateLimiter({ ...job.limits, store: timed, scheduler });
  const model = rxllm.openai({ model: 'gpt-4o-mini', apiKey: 'bench', baseURL: job.baseURL });
  const done = [];
  const failures = [];
  const started = new Promise((resolve) => process.once('message', resolve));
  process.send('ready');
  await started;
  const endAt = Date.now() + job.seconds * 1000;
  async function* prompts() {
    for (let i = 0; Date.now() < endAt; i++) yield { messages: [{ role: 'user', content: `worker ${job.index} question ${i}` }], params: { maxTokens: 60 } };
  }
  await lastValueFrom(
    rxllm.pullPrompts(prompts()).pipe(
      rxllm.chatEach(model, { limiter, maxActive: 32, retry: { maxRetries: job.maxRetries } }),
      tap((result) => {
        if (!result.ok) failures.push(result.error.message);
        if (result.ok) done.push({ at: Date.now(), tokens: result.response.usage.inputTokens + result.response.usage.outputTokens });
      }),
      ignoreElements(),
      defaultIfEmpty(undefined),
    ),
  );
  await model.provider.close?.();
  await client.close();
  process.send({ grants, done, reserveMs, estimated, failures: failures.length, firstFailure: failures[0] }, () => process.disconnect());
}

async function startRedis() {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'rxllm-bench-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  for (let open = false; !open; ) {
    open = await new Promise((resolve) => createConnection({ port, host: '127.0.0.1' }).once('connect', function () { this.destroy(); resolve(true); }).once('error', () => resolve(false)));
    if (!open) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
