// The scenarios of issues 6 and 25: sizes (full and --quick), server settings, and which clients run them.
//
// Clients: `baseline` (bare undici worker pool), `rxllm` (chatEach / streamEach), `rxllm-parallelChat`, and the
// peers `openai`, `langchain`, `ai-sdk` (installed in bench/node_modules only).

/** Every client the benchmark knows, with the runner module that drives it. */
export const CLIENTS = {
  baseline: { runner: 'baseline', label: 'baseline: undici + worker pool', kind: 'baseline' },
  rxllm: { runner: 'rxllm', label: 'rxllm chatEach', streamLabel: 'rxllm streamEach', kind: 'rxllm' },
  'rxllm-parallelChat': { runner: 'rxllm', variant: 'parallelChat', label: 'rxllm parallelChat', kind: 'rxllm' },
  // The same chatEach / streamEach through `openai({ api: 'responses' })`: the Responses adapter against the mock's
  // `/v1/responses` (issue 19: CPU per request and per streamed token within 1.1 × the Chat Completions adapter).
  'rxllm-responses': {
    runner: 'rxllm',
    variant: 'responses',
    label: 'rxllm chatEach, Responses API',
    streamLabel: 'rxllm streamEach, Responses API',
    kind: 'rxllm',
  },
  openai: { runner: 'openai-sdk', label: 'openai + p-limit', kind: 'peer', packages: ['openai', 'p-limit'] },
  'openai-p-queue': {
    runner: 'openai-sdk',
    variant: 'p-queue',
    label: 'openai + p-queue (intervalCap)',
    kind: 'peer',
    packages: ['openai', 'p-queue'],
  },
  langchain: {
    runner: 'langchain',
    label: '@langchain/openai .batch',
    streamLabel: '@langchain/openai .stream + p-limit',
    kind: 'peer',
    packages: ['@langchain/openai', '@langchain/core', 'p-limit'],
  },
  'ai-sdk': { runner: 'ai-sdk', label: 'ai + @ai-sdk/openai + p-limit', kind: 'peer', packages: ['ai', '@ai-sdk/openai', 'p-limit'] },
};

/** Every package a peer needs, from bench/package.json. */
export const PEER_PACKAGES = [...new Set(Object.values(CLIENTS).flatMap((client) => client.packages ?? []))];

/**
 * Server settings that make every answer carry OpenAI's six `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`
 * headers, as OpenAI's API does on every response, with far more budget than a run can spend (10 M requests and
 * 10 G tokens a minute): the client reads them on every response and never has to wait for them.
 */
export const PLENTY_OF_BUDGET = { rpmLimit: 10_000_000, tpmLimit: 10_000_000_000, windowMs: 60_000, rateLimitAlgorithm: 'token-bucket' };

/**
 * @param {{ quick: boolean }} mode
 * @returns the scenarios in run order. `runs` applies to rxllm and the baseline; `peerRuns` to peers.
 */
export function scenarios({ quick }) {
  const limitRpm = 6_000;
  const windowMs = 1_000; // the server's minute, scaled down to one second
  const perWindow = (limitRpm * windowMs) / 60_000;
  return [
    {
      id: 'concurrency',
      title: '1. Concurrency',
      summary: `N prompts, ${100} in flight, 50 ms server latency, non-streaming.`,
      n: quick ? 1_000 : 5_000,
      concurrency: 100,
      latencyMs: 50,
      server: { latencyMs: 50, answerTokens: 8, ...PLENTY_OF_BUDGET },
      clients: ['baseline', 'rxllm', 'rxllm-parallelChat', 'rxllm-responses', 'openai', 'langchain', 'ai-sdk'],
      // CPU per request moves by ±10–15 % from run to run on a shared machine: 12 paired rounds give a 95 % interval
      // near ±5 % on the ratio to the baseline.
      runs: quick ? 1 : 12,
      peerRuns: 1, // their ratios are 4–10×; one run each keeps the full benchmark near 15 minutes
    },
    {
      id: 'rate-limit',
      title: '2. Rate limit',
      summary:
        `The server allows ${limitRpm.toLocaleString('en-US')} requests per minute, its window scaled down to ` +
        `${windowMs} ms (a bucket of ${perWindow} requests refilled continuously over ${windowMs} ms, as real APIs replenish ` +
        `their limits, answering 429 when empty); ` +
        `maxActive 200; rxllm's rpm = the server's limit; the baseline paces starts exactly 60 000 / rpm ms apart.`,
      n: quick ? 300 : 1_200,
      concurrency: 200,
      latencyMs: 50,
      server: { latencyMs: 50, answerTokens: 8, rpmLimit: perWindow, windowMs, rateLimitAlgorithm: 'token-bucket' },
      rateLimit: { rpm: limitRpm, windowMs, perWindow },
      clients: quick ? ['baseline', 'rxllm', 'openai-p-queue'] : ['baseline', 'rxllm', 'openai-p-queue', 'langchain', 'ai-sdk'],
      runs: quick ? 1 : 3,
      peerRuns: 1,
    },
    {
      id: 'faults',
      title: '3. Faults',
      summary:
        'Injected faults: 5 % 500, 3 % 503, 2 % connection resets, 1 % 429 with retry-after (100 ms); ' +
        '100 in flight, 50 ms latency; rxllm and the baseline both retry up to 6 times (500 ms doubling backoff, jitter, retry-after honoured).',
      n: quick ? 500 : 2_000,
      concurrency: 100,
      latencyMs: 50,
      server: {
        latencyMs: 50,
        answerTokens: 8,
        faults: { 500: 0.05, 503: 0.03, reset: 0.02, 429: 0.01 },
        faultRetryAfterMs: 100,
        ...PLENTY_OF_BUDGET,
      },
      retry: { maxRetries: 6 },
      clients: ['baseline', 'rxllm'],
      runs: quick ? 1 : 3,
      peerRuns: 0,
    },
    {
      id: 'scale',
      title: '4. Scale',
      summary:
        'N prompts from a lazy async generator, maxActive 256, 1 ms latency. rxllm reads it through `pullPrompts`; ' +
        'peers get a smaller N and a time cap, and report what they reach.',
      n: quick ? 10_000 : 1_000_000,
      peerN: quick ? 1_000 : 100_000,
      peerTimeLimitMs: quick ? 10_000 : 30_000,
      concurrency: 256,
      latencyMs: 1,
      source: 'generator',
      server: { latencyMs: 1, answerTokens: 8, ...PLENTY_OF_BUDGET },
      clients: ['baseline', 'rxllm', 'openai', 'langchain', 'ai-sdk'],
      // One run each by default: a million requests take 2–8 minutes per client on 2 cores, and the full benchmark
      // should stay near 15 minutes. `--only scale --runs 3` gives medians.
      runs: 1,
      peerRuns: 1,
    },
    {
      id: 'streaming',
      title: '5. Streaming',
      summary:
        'N streams × 200 tokens (one token per SSE event, paced at 200 tokens/s per stream), 50 ms to the first token, maxActive 100. ' +
        'Time to first token (TTFT) runs from the moment a prompt gets a concurrency slot to its first content token, ' +
        'over the prompts after the first 100 (those start as slots free up, one at a time). ' +
        'Each client process first streams a warm-up batch of the same size, untimed (JIT, connections); the figures are ' +
        "the second batch's, and the warm-up batch's TTFT is shown as the cold one.",
      n: quick ? 200 : 500,
      warmup: quick ? 200 : 500,
      tokens: 200,
      concurrency: 100,
      latencyMs: 50,
      stream: true,
      server: { latencyMs: 50, answerTokens: 200, tokensPerSecond: 200, chunkTokens: 1, ...PLENTY_OF_BUDGET },
      clients: ['baseline', 'rxllm', 'rxllm-responses', 'openai', 'langchain', 'ai-sdk'],
      runs: quick ? 1 : 10,
      peerRuns: 1,
    },
    {
      id: 'per-request-429',
      title: '6. Per-request 429s',
      summary:
        'The server answers 2 % of requests 429 with `retry-after-ms: 200` while its rate-limit headers show plenty of budget ' +
        'left, as gateways, proxies and concurrency caps do; 100 in flight, 10 ms latency; rxllm and the baseline both retry up ' +
        'to 6 times, retry-after honoured.',
      n: quick ? 500 : 2_000,
      concurrency: 100,
      latencyMs: 10,
      server: { latencyMs: 10, answerTokens: 8, faults: { 429: 0.02 }, faultRetryAfterMs: 200, ...PLENTY_OF_BUDGET },
      retry: { maxRetries: 6 },
      clients: ['baseline', 'rxllm'],
      runs: quick ? 1 : 6,
      peerRuns: 0, // time to first token moves by several ms from run to run on a shared machine; CPU per token by ±10 %
      peerRuns: 1,
    },
  ];
}
