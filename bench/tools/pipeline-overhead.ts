// Investigation tool (issue 25): rxllm's own CPU per request and per streamed token, without the network. The
// OpenAI-compatible adapter runs as `openai()` builds it, but its undici dispatcher is replaced by one that answers
// every request on the next turn of the event loop with the head and body bench scenario 1 (or 5) gets from the mock
// server: its `x-ratelimit-*` headers on every response. So the figure is what rxllm adds above undici (pipeline,
// limiter, retry, transport callbacks, header and body reading), the part that separates it from the baseline, with
// none of the socket and parser work both share, and a fraction of the noise of a loaded machine.
//
// Usage (bundled with esbuild, not run through tsx, whose `keepNames` adds a call per closure created):
//   npx esbuild bench/tools/pipeline-overhead.ts --bundle --platform=node --format=esm --packages=external \
//     --outfile=bench/results/profiles/overhead.mjs && node bench/results/profiles/overhead.mjs [--mode chat|stream] [--n 20000] [--rounds 9]
// Prints the median (and range) over the rounds after one warm-up round. Measure before/after in separate processes,
// alternating (the figure is CPU time of this process: `process.cpuUsage()`, user + system).
import { parseArgs } from 'node:util';
import { defaultIfEmpty, from, ignoreElements, lastValueFrom, mergeMap } from 'rxjs';
import { customModel } from '../../src/model/custom-model.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import type { HttpPostOptions } from '../../src/transport/http-types.js';
import { createOpenAIProvider } from '../../src/providers/openai-compatible/openai-provider.js';

const { values } = parseArgs({
  options: { mode: { type: 'string', default: 'chat' }, n: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '9' } },
});
const stream = values.mode === 'stream';
const n = Number(values.n);
const rounds = Number(values.rounds);
const TOKENS = 200;

// The head and body the mock server (`dist/testing.js`) sent in bench scenario 1, captured on 2026-12-08.
const HEAD = [
  ['x-request-id', 'req_mock1'],
  ['x-ratelimit-limit-requests', '10000000'],
  ['x-ratelimit-remaining-requests', '9999999'],
  ['x-ratelimit-reset-requests', '6ms'],
  ['x-ratelimit-limit-tokens', '10000000000'],
  ['x-ratelimit-remaining-tokens', '9999999983'],
  ['x-ratelimit-reset-tokens', '0s'],
  ['content-type', stream ? 'text/event-stream; charset=utf-8' : 'application/json'],
  ...(stream ? [['cache-control', 'no-cache']] : [['content-length', '588']]),
  ['Date', 'Tue, 08 Dec 2026 01:31:53 GMT'],
  ['Connection', 'keep-alive'],
  ['Keep-Alive', 'timeout=5'],
];
const RAW_HEAD = HEAD.flatMap(([name, value]) => [Buffer.from(name!), Buffer.from(value!)]);
const BODY = Buffer.from(
  '{"id":"chatcmpl-mock1","object":"chat.completion","created":1796693513,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Re: prompt 1 isle indigo echo alpha nova.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":8,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_mock"}',
);
const chunk = (delta: string, finish: string | null) =>
  `data: {"id":"chatcmpl-mock2","object":"chat.completion.chunk","created":1796693513,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_mock","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
const EVENTS = [
  chunk('{"role":"assistant","content":"","refusal":null}', null),
  ...Array.from({ length: TOKENS }, (_, i) => chunk(`{"content":" w${i % 10}"}`, null)),
  chunk('{}', 'stop'),
  'data: [DONE]\n\n',
].map((text) => Buffer.from(text));

/** undici's types as the transport sees them (from the root's undici, not the peers' copy under `bench/`). */
type Dispatcher = HttpPostOptions['dispatcher'];
type DispatchArguments = Parameters<Dispatcher['dispatch']>;

/** Answers every request on the next turn of the event loop, calling the handler as undici's own dispatch does. */
class InstantDispatcher {
  dispatch(_options: DispatchArguments[0], handler: DispatchArguments[1]): boolean {
    setImmediate(() => {
      handler.onConnect?.(() => {});
      handler.onHeaders?.(200, RAW_HEAD, () => {}, 'OK');
      if (stream) for (const event of EVENTS) handler.onData?.(event);
      else handler.onData?.(BODY);
      handler.onComplete?.(null);
    });
    return true;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const provider = createOpenAIProvider({
  id: 'openai',
  baseURL: 'http://127.0.0.1:9/v1',
  apiKey: 'sk-overhead-tool',
  dispatcher: new InstantDispatcher() as unknown as Dispatcher,
  timeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
  maxResponseBytes: 32 * 1024 * 1024,
});
const model = customModel(provider, { model: 'gpt-4o-mini', retry: { maxRetries: 2 } });
const prompts = Array.from({ length: n }, (_, i) => `prompt ${i}`);

async function round(): Promise<number> {
  const before = process.cpuUsage();
  const options = { maxActive: 100, rpm: Infinity };
  if (stream) {
    await lastValueFrom(
      from(prompts).pipe(
        streamEach(model, options),
        mergeMap((item) => item.chunks.pipe(ignoreElements())),
        defaultIfEmpty(undefined),
      ),
    );
  } else await lastValueFrom(from(prompts).pipe(chatEach(model, options), ignoreElements(), defaultIfEmpty(undefined)));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (stream ? n * TOKENS : n);
}

await round(); // warm-up
const figures: number[] = [];
for (let i = 0; i < rounds; i += 1) figures.push(await round());
figures.sort((a, b) => a - b);
const median = figures[Math.floor(figures.length / 2)]!;
process.stdout.write(
  `${stream ? 'µs per token' : 'µs per request'}: ${median.toFixed(2)} (${figures[0]!.toFixed(2)}–${figures.at(-1)!.toFixed(2)}), n ${n}, rounds ${rounds}\n`,
);
