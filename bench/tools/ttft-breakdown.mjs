#!/usr/bin/env node
// Where a streamed prompt's time to first token goes, from undici's diagnostics channels, for rxllm's streamEach or
// the bare-undici baseline, against the benchmark's streaming server (by default 500 streams × 200 tokens, 100 in
// flight): pull → request created → request headers written → response headers parsed → first token delivered.
// Medians over the prompts after the first C (as the benchmark's TTFT), then per quarter of them, with the event
// loop's utilisation, the process's CPU and the machine's stolen CPU over the run. Usage:
//   node bench/tools/ttft-breakdown.mjs [rxllm|baseline] [--concurrency 100] [--sockets 256] [--waves] [--pin] [--json]
//        [--warm 0] [--burn-token-us 0 --burn-stream-us 0]   (burn: baseline only, spin that long per event / stream)
// `--concurrency C` runs 5 × C streams (at least 25), C at a time. `--waves` prints, per quarter, when its requests
// were created, written and answered, the event loop's stalls (no 1 ms timer for over 8 ms) and the connections
// opened. `--burn-*` makes the baseline spend what rxllm spends more, to see what extra CPU alone does to its time to
// first token. `--warm 1000` runs that many streams first, unmeasured (JIT warm-up and open connections), in whole
// batches of the measured run's size (`--warm 1`: one batch). `--pin` puts the server on CPU 1 and this process on
// CPU 0 (`taskset`). `--json` prints one line of figures for scripts.
import { execFileSync, spawn } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { importFromRoot } from '../lib/from-root.mjs';
import { machineShares, machineTicks } from '../lib/machine-ticks.mjs';

const { values, positionals } = parseArgs({
  options: {
    sockets: { type: 'string', default: '256' },
    waves: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '100' },
    warm: { type: 'string', default: '0' },
    'burn-token-us': { type: 'string', default: '0' },
    'burn-stream-us': { type: 'string', default: '0' },
  },
  allowPositionals: true,
});
const client = positionals[0] ?? 'rxllm';
const sockets = Number(values.sockets);
const burnTokenUs = Number(values['burn-token-us']);
const burnStreamUs = Number(values['burn-stream-us']);
const distDir = fileURLToPath(new URL('../../dist', import.meta.url));
const serverOptions = { latencyMs: 50, answerTokens: 200, tokensPerSecond: 200, chunkTokens: 1 };
// `--pin`: the server on CPU 1, this process on CPU 0, as a remote provider would not share the client's CPU.
if (values.pin) execFileSync('taskset', ['-acp', '0', String(process.pid)], { stdio: 'ignore' });
const server = spawn(values.pin ? 'taskset' : process.execPath, [...(values.pin ? ['-c', '1', process.execPath] : []), fileURLToPath(new URL('../lib/server-process.mjs', import.meta.url)), JSON.stringify({ distDir, options: serverOptions })], { stdio: ['pipe', 'pipe', 'inherit'] });
const { url } = JSON.parse(await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', resolve)));

const CONCURRENCY = Number(values.concurrency);
const N = Math.max(5 * CONCURRENCY, 25); // the first CONCURRENCY start at once; the rest are measured
const at = { pulled: new Float64Array(N), created: new Float64Array(N), sent: new Float64Array(N), headers: new Float64Array(N), first: new Float64Array(N) };
const indexOf = new WeakMap();
let pulling = -1;
let running = true;
let connects = 0;
const connectsAt = [];
const closes = new Map();
diagnostics.channel('undici:client:connected').subscribe(({ socket }) => {
  connects += 1;
  connectsAt.push(performance.now());
  const openedAt = performance.now();
  socket.once('close', (hadError) => {
    if (!running) return;
    const why = `${hadError ? 'error' : 'clean'} after ${Math.round((performance.now() - openedAt) / 1000)} s`;
    closes.set(why, (closes.get(why) ?? 0) + 1);
  });
});
// The prompt's index, read from the request body (`Prompt 123`): a request queued in the pool is created later,
// when a socket takes it, not when the client dispatched it.
diagnostics.channel('undici:request:create').subscribe(({ request }) => {
  const index = Number(/Prompt (\d+)/.exec(String(request.body))?.[1] ?? pulling);
  indexOf.set(request, index);
  at.created[index] = performance.now();
});
const stamp = (field) => ({ request }) => {
  const index = indexOf.get(request);
  if (index !== undefined) at[field][index] = performance.now();
};
/** Requests written on a socket's first use (a new connection) vs on a reused keep-alive socket. */
const socketUses = new WeakMap();
const onNewSocket = new Set();
diagnostics.channel('undici:client:sendHeaders').subscribe(({ request, socket }) => {
  stamp('sent')({ request });
  const uses = socketUses.get(socket) ?? 0;
  socketUses.set(socket, uses + 1);
  const index = indexOf.get(request);
  if (uses === 0 && index !== undefined) onNewSocket.add(index);
});
diagnostics.channel('undici:request:headers').subscribe(stamp('headers'));

/** Event-loop stalls: a 1 ms interval that did not run for more than 8 ms, with the process's CPU meanwhile. */
const stalls = [];
let lastTick = performance.now();
let lastCpu = process.cpuUsage();
const ticker = setInterval(() => {
  const now = performance.now();
  const cpu = process.cpuUsage();
  if (now - lastTick > 8) stalls.push({ from: lastTick, to: now, cpuMs: (cpu.user + cpu.system - lastCpu.user - lastCpu.system) / 1000 });
  lastTick = now;
  lastCpu = cpu;
}, 1);

const run = client === 'rxllm' ? await prepareRxllm() : await prepareBaseline();
const warm = Number(values.warm);
if (warm > 0) {
  // A first batch, not measured: the same code, warmed up by the JIT, with its connections already open.
  for (let batch = 0; batch < warm; batch += N) await run();
  at.first.fill(0);
}
const statStart = machineTicks();
const eluStart = performance.eventLoopUtilization();
const cpuStart = process.cpuUsage();
await run();
const elu = performance.eventLoopUtilization(eluStart);
const statEnd = machineTicks();
const shares = machineShares(statStart, statEnd);
const cpu = process.cpuUsage(cpuStart);
running = false;
clearInterval(ticker);
server.kill();

const later = Array.from({ length: N - CONCURRENCY }, (_, i) => i + CONCURRENCY);
const medianOf = (numbers) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[sorted.length >> 1];
};
const median = (from, to, indices = later) => medianOf(indices.map((i) => at[to][i] - at[from][i])).toFixed(2);
if (values.json) {
  // One line for scripts (bench/tools/ttft-study.mjs): the median time to first token, the CPU spent and the machine's shares.
  const figure = (from, to) => Number(median(from, to));
  console.log(
    JSON.stringify({
      client,
      concurrency: CONCURRENCY,
      streams: N,
      ttftMs: figure('pulled', 'first'),
      cpuMs: (cpu.user + cpu.system) / 1000,
      loopUtilisation: elu.utilization,
      ...(shares === undefined ? {} : shares),
    }),
  );
  process.exit(0);
}
console.log(
  `${client}: pull→created ${median('pulled', 'created')} ms, created→sent ${median('created', 'sent')} ms, ` +
    `sent→headers ${median('sent', 'headers')} ms, headers→first token ${median('headers', 'first')} ms, ` +
    `pull→first token ${median('pulled', 'first')} ms`,
);
const waveSize = Math.ceil(later.length / 4);
const waves = [0, 1, 2, 3].map((wave) => later.slice(wave * waveSize, (wave + 1) * waveSize));
console.log(`  pull→first token by quarter (waves of ${CONCURRENCY} at full size): ${waves.map((wave) => median('pulled', 'first', wave)).join(' / ')} ms`);
const split = (indices) => (indices.length === 0 ? '—' : `${indices.length} requests, median ${median('created', 'sent', indices)} ms`);
console.log(`  created→sent on a new connection: ${split(later.filter((i) => onNewSocket.has(i)))}; on a reused one: ${split(later.filter((i) => !onNewSocket.has(i)))}`);
console.log(
  `  ${connects} connections for ${N} streams, closed during the run: ${JSON.stringify(Object.fromEntries(closes))}; ` +
    `event loop utilisation ${(elu.utilization * 100).toFixed(1)} %, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms` +
    (shares === undefined ? '' : `; machine: busy ${shares.busyPct.toFixed(0)} %, idle ${shares.idlePct.toFixed(0)} %, steal ${shares.stealPct.toFixed(0)} %`),
);
if (values.waves) {
  for (const wave of waves) {
    const ids = [...wave].sort((a, b) => at.created[a] - at.created[b]);
    const t0 = at.created[ids[0]];
    const t1 = at.first[ids.at(-1)];
    const row = (field) => ids.filter((_, k) => k % 10 === 0 || k === ids.length - 1).map((i) => (at[field][i] - t0).toFixed(1)).join(' ');
    console.log(`  wave ${wave[0]}-${wave.at(-1)} (ms after its first request, every 10th by creation):`);
    console.log(`    created ${row('created')}\n    sent    ${row('sent')}\n    first   ${row('first')}`);
    const during = stalls.filter(({ from, to }) => to >= t0 && from <= t1);
    console.log(`    loop stalls: ${during.map(({ from, to, cpuMs }) => `${(from - t0).toFixed(0)}..${(to - t0).toFixed(0)} (CPU ${cpuMs.toFixed(0)} ms)`).join(', ') || 'none'}`);
    console.log(`    new connections: ${wave.filter((i) => onNewSocket.has(i)).length}, opened meanwhile: ${connectsAt.filter((t) => t >= t0 && t <= t1).length}`);
  }
}

async function prepareRxllm() {
  const { lastValueFrom, mergeMap, tap, ignoreElements, defaultIfEmpty } = await importFromRoot('rxjs');
  const { openai, pullPrompts, streamEach } = await import(new URL('../../dist/index.js', import.meta.url).href);
  function* prompts() {
    for (let i = 0; i < N; i += 1) {
      at.pulled[i] = performance.now();
      pulling = i;
      yield `Prompt ${i}`;
    }
  }
  const model = openai({ model: 'bench-model', apiKey: 'sk-bench', baseURL: url, maxSockets: sockets });
  return () =>
    lastValueFrom(
      pullPrompts(prompts(), { readAhead: 0 }).pipe(
        streamEach(model, { maxActive: CONCURRENCY, rpm: Infinity }),
        mergeMap((item) => {
          let first = true;
          return item.chunks.pipe(
            tap((chunk) => {
              if (chunk.text !== '' && first) {
                first = false;
                at.first[item.index] = performance.now();
              }
            }),
            ignoreElements(),
          );
        }),
        defaultIfEmpty(undefined),
      ),
    );
}

async function prepareBaseline() {
  const { Agent, request } = await importFromRoot('undici');
  const { createParser } = await importFromRoot('eventsource-parser');
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: sockets });
  /** Spins for `us` microseconds. */
  const burn = (us) => {
    const until = performance.now() + us / 1000;
    while (performance.now() < until);
  };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < N; i = next++) {
      at.pulled[i] = performance.now();
      pulling = i;
      const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: `Prompt ${i}` }], stream: true, stream_options: { include_usage: true } });
      const response = await request(`${url}/chat/completions`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body });
      if (burnStreamUs > 0) burn(burnStreamUs);
      let first = true;
      const parser = createParser({
        onEvent(event) {
          if (burnTokenUs > 0) burn(burnTokenUs);
          if (event.data === '[DONE]') return;
          // every event parsed, as the benchmark's baseline does
          if (JSON.parse(event.data).choices?.[0]?.delta?.content && first) {
            first = false;
            at.first[i] = performance.now();
          }
        },
      });
      const decoder = new TextDecoder();
      for await (const bytes of response.body) parser.feed(decoder.decode(bytes, { stream: true }));
    }
  };
  return () => {
    next = 0;
    return Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
}

