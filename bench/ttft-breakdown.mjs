#!/usr/bin/env node
// Where a streamed prompt's time to first token goes, from undici's diagnostics channels, for rxllm's streamEach or
// the bare-undici baseline, against the benchmark's streaming server (500 streams × 200 tokens, 100 in flight):
// pull → request created → request headers written → response headers parsed → first token delivered.
// Medians over the prompts after the first 100 (as the benchmark's TTFT). Usage:
//   node bench/ttft-breakdown.mjs [rxllm|baseline] [--sockets 256]
import { spawn } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { importFromRoot } from './lib/from-root.mjs';

const { values, positionals } = parseArgs({ options: { sockets: { type: 'string', default: '256' } }, allowPositionals: true });
const client = positionals[0] ?? 'rxllm';
const sockets = Number(values.sockets);
const distDir = fileURLToPath(new URL('../dist', import.meta.url));
const serverOptions = { latencyMs: 50, answerTokens: 200, tokensPerSecond: 200, chunkTokens: 1 };
const server = spawn(process.execPath, [fileURLToPath(new URL('./lib/server-process.mjs', import.meta.url)), JSON.stringify({ distDir, options: serverOptions })], { stdio: ['pipe', 'pipe', 'inherit'] });
const { url } = JSON.parse(await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', resolve)));

const N = 500;
const CONCURRENCY = 100;
const at = { pulled: new Float64Array(N), created: new Float64Array(N), sent: new Float64Array(N), headers: new Float64Array(N), first: new Float64Array(N) };
const indexOf = new WeakMap();
let pulling = -1;
let connects = 0;
let closes = 0;
let running = true;
diagnostics.channel('undici:client:connected').subscribe(({ socket }) => {
  connects += 1;
  socket.once('close', () => (closes += running ? 1 : 0));
});
diagnostics.channel('undici:request:create').subscribe(({ request }) => {
  indexOf.set(request, pulling);
  at.created[pulling] = performance.now();
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

if (client === 'rxllm') await runRxllm();
else await runBaseline();

running = false;
const later = Array.from({ length: N - CONCURRENCY }, (_, i) => i + CONCURRENCY);
const median = (from, to) => {
  const gaps = later.map((i) => at[to][i] - at[from][i]).sort((a, b) => a - b);
  return gaps[gaps.length >> 1].toFixed(2);
};
console.log(
  `${client}: pull→created ${median('pulled', 'created')} ms, created→sent ${median('created', 'sent')} ms, ` +
    `sent→headers ${median('sent', 'headers')} ms, headers→first token ${median('headers', 'first')} ms, ` +
    `pull→first token ${median('pulled', 'first')} ms; ${connects} connections for ${N} streams, ${closes} closed during the run`,
);
const split = (indices) => {
  const gaps = indices.map((i) => at.sent[i] - at.created[i]).sort((a, b) => a - b);
  return gaps.length === 0 ? '—' : `${gaps.length} requests, median ${gaps[gaps.length >> 1].toFixed(2)} ms`;
};
console.log(`  created→sent on a new connection: ${split(later.filter((i) => onNewSocket.has(i)))}; on a reused one: ${split(later.filter((i) => !onNewSocket.has(i)))}`);
server.kill();

async function runRxllm() {
  const { lastValueFrom, mergeMap, tap, ignoreElements, defaultIfEmpty } = await importFromRoot('rxjs');
  const { openai, pullPrompts, streamEach } = await import(new URL('../dist/index.js', import.meta.url).href);
  function* prompts() {
    for (let i = 0; i < N; i += 1) {
      at.pulled[i] = performance.now();
      pulling = i;
      yield `Prompt ${i}`;
    }
  }
  const model = openai({ model: 'bench-model', apiKey: 'sk-bench', baseURL: url, maxSockets: sockets });
  await lastValueFrom(
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

async function runBaseline() {
  const { Agent, request } = await importFromRoot('undici');
  const { createParser } = await importFromRoot('eventsource-parser');
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: sockets });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < N; i = next++) {
      at.pulled[i] = performance.now();
      pulling = i;
      const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: `Prompt ${i}` }], stream: true, stream_options: { include_usage: true } });
      const response = await request(`${url}/chat/completions`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' }, body });
      let first = true;
      const parser = createParser({
        onEvent(event) {
          if (event.data === '[DONE]' || !first) return;
          if (JSON.parse(event.data).choices?.[0]?.delta?.content) {
            first = false;
            at.first[i] = performance.now();
          }
        },
      });
      const decoder = new TextDecoder();
      for await (const bytes of response.body) parser.feed(decoder.decode(bytes, { stream: true }));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}
