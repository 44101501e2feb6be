// Child-process entry of one benchmark run: `fork(runner-process.mjs, [jobJson])`.
// Imports one runner, runs the job, and sends back { wall, client CPU, peak RSS, per-index outcomes } over IPC.
// Only the run itself is timed: module loading happens before the clock starts.
import { performance } from 'node:perf_hooks';
import { machineShares, machineTicks } from './machine-ticks.mjs';
import { installNetworkGuard } from './network-guard.mjs';
import { Tally } from './tally.mjs';

const job = JSON.parse(process.argv[2] ?? '{}');
let sent = false;
const blockedReport = installNetworkGuard();
// Never outlive the benchmark: exit when the parent goes away, or after the job's hard limit.
process.on('disconnect', () => process.exit(1));
if (job.hardLimitMs !== undefined) setTimeout(() => process.exit(1), job.hardLimitMs).unref();

try {
  const runner = await import(new URL(`../runners/${job.runner}.mjs`, import.meta.url).href);
  await runner.prepare?.(job); // a runner whose modules depend on the job loads them here, outside the timed span
  // A warm-up batch (scenario 5): the same job on `job.warmup` prompts, untimed, in this process; its time to first
  // token is reported as the cold figure. Then the server's counters start again for the measured batch.
  const warmup = job.warmup > 0 ? await runWarmup(runner, job) : undefined;
  // Time to first token is taken in steady state: the first `concurrency` items all start at once (connections
  // opening, code warming up), later ones start as slots free up, one at a time, the same way for every client.
  const tally = new Tally(job.n, { stream: job.stream === true, ttftFrom: job.n > job.concurrency ? job.concurrency : 0 });
  const rssBefore = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const ticksBefore = machineTicks();
  const started = performance.now();
  const report = (partial) => {
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    send({
      ok: true,
      partial,
      wallMs,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      machine: machineShares(ticksBefore, machineTicks()),
      rssBeforeMB: rssBefore / 2 ** 20,
      outcome: tally.summary(),
      warmup,
      blocked: blockedReport(),
    });
  };
  // A capped job reports what it reached when its time is up, then exits (its work is abandoned).
  if (job.timeLimitMs !== undefined) setTimeout(() => report(true), job.timeLimitMs).unref();
  await runner.run(job, tally);
  report(false);
} catch (error) {
  send({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error) });
}

async function runWarmup(runner, job) {
  const tally = new Tally(job.warmup, { stream: job.stream === true, ttftFrom: job.warmup > job.concurrency ? job.concurrency : 0 });
  const started = performance.now();
  await runner.run({ ...job, n: job.warmup }, tally);
  const wallMs = performance.now() - started;
  const response = await fetch(`${new URL(job.baseURL).origin}/stats/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`POST /stats/reset answered ${response.status}`);
  await response.arrayBuffer();
  return { wallMs, outcome: tally.summary() };
}

function send(message) {
  if (sent) return;
  sent = true;
  process.send(message, () => process.exit(0));
}
