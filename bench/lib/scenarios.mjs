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
    ...limitScenarios({ quick }),
  ];
}

/**
 * Issue 18's scenarios: limits the client is not told (learned from the headers, or adapted to from headerless
 * 429s), and exact configured limits at awkward and at high rates.
 *
 * Both scale the server's minute down to one second, so that a run of seconds spans many windows. OpenAI's
 * `x-ratelimit-limit-requests` is a per-minute figure (and `rpm: 'auto'` reads it so): scenario 7's server announces
 * its limits per minute (`limitHeadersPerMinute`) while `remaining` and `reset` stay real counts and real
 * milliseconds, so a client pacing at remaining / reset reads the scaled server as the real one. (A one-minute window
 * would not do: a run shorter than the window never spends it, so no client, paced or not, would draw a 429.)
 * Scenario 8 sends no headers at all.
 */
export function limitScenarios({ quick }) {
  const autoLimitRpm = 12_000;
  const otherShare = 0.3;
  const autoSeconds = quick ? 14 : 40;
  const leftPerSecond = ((1 - otherShare) * autoLimitRpm) / 60_000 * 1_000;
  const headerlessPerWindow = 100;
  const headerlessSeconds = quick ? 8 : 20;
  const exactRpms = [5_820, 7_000, 13_337, 60_000, 1_000_000, 10_000_000];
  return [
    {
      id: 'auto-limit',
      title: '7. Learned limit, shared key',
      summary:
        `The server allows ${autoLimitRpm.toLocaleString('en-US')} requests per minute, its minute scaled down to one second ` +
        `(a token bucket of ${autoLimitRpm / 60} refilled over 1 s; OpenAI's \`x-ratelimit-*\` headers on every answer, the limit ` +
        'announced per minute, remaining and reset real), and simulated other traffic on the same key spends ' +
        `${otherShare * 100} % of it, so ${leftPerSecond} requests/s are left to the client; the client is not told the limit ` +
        "(rxllm `rpm: 'auto'`; openai + p-queue capped at the key's published limit, as its users would; LangChain and the AI " +
        'SDK with nothing, relying on their retries). 10 ms latency, maxActive 64. 429s are counted after the first 10 s.',
      n: Math.round(leftPerSecond * autoSeconds),
      concurrency: 64,
      latencyMs: 10,
      server: {
        latencyMs: 10,
        answerTokens: 8,
        rpmLimit: autoLimitRpm / 60,
        windowMs: 1_000,
        rateLimitAlgorithm: 'token-bucket',
        limitHeadersPerMinute: true,
        otherTrafficShare: otherShare,
      },
      rateLimit: { rpm: 'auto', windowMs: 1_000, perWindow: autoLimitRpm / 60 },
      capacityPerSecond: leftPerSecond,
      late429AfterMs: 10_000,
      expectedMs: autoSeconds * 1_000,
      clients: quick ? ['rxllm', 'openai-p-queue'] : ['rxllm', 'openai-p-queue', 'langchain', 'ai-sdk'],
      runs: quick ? 1 : 3,
      peerRuns: 1,
    },
    {
      id: 'headerless-limit',
      title: '8. Headerless fixed window',
      summary:
        `A gateway allows ${headerlessPerWindow} requests per fixed window of 1 s (6,000 a minute, its minute scaled down to ` +
        'one second) and answers 429 with no rate-limit headers, no `retry-after` and no wait in the body; the client is not ' +
        "told the limit (rxllm `rpm: 'auto'`: adaptive pace from 429s alone; openai + p-queue capped at the gateway's " +
        'limit; LangChain and the AI SDK with nothing). 10 ms latency, maxActive 64. The 429 share counts requests after ' +
        'the first 2 s (the first window, and the client process starting).',
      n: headerlessPerWindow * headerlessSeconds,
      concurrency: 64,
      latencyMs: 10,
      server: {
        latencyMs: 10,
        answerTokens: 8,
        rpmLimit: headerlessPerWindow,
        windowMs: 1_000,
        rateLimitAlgorithm: 'fixed-window',
        rateLimitHeaders: 'none',
      },
      rateLimit: { rpm: 'auto', windowMs: 1_000, perWindow: headerlessPerWindow },
      capacityPerSecond: headerlessPerWindow,
      late429AfterMs: 2_000,
      expectedMs: headerlessSeconds * 1_000,
      clients: quick ? ['rxllm', 'openai-p-queue'] : ['rxllm', 'openai-p-queue', 'langchain', 'ai-sdk'],
      runs: quick ? 1 : 3,
      peerRuns: 1,
    },
    {
      id: 'exact-limits',
      title: '9. Exact limits, awkward and high',
      summary:
        'rxllm told the exact limit (`rpm`), against a server enforcing that same limit as a token bucket (its window the ' +
        "shortest whole number of seconds that makes the limit a whole number of requests), and the same client with no limit " +
        '(`rpm: Infinity`, against plenty of budget) measured in the same run; openai + p-queue with `intervalCap` = ' +
        'floor(rpm / 60) per second, as its users would write it. 1 ms latency, maxActive 256. Target: achieved ≥ 99 % of ' +
        'min(limit, the unlimited rate), zero 429s.',
      n: quick ? 3_000 : 20_000,
      concurrency: 256,
      latencyMs: 1,
      server: { latencyMs: 1, answerTokens: 8, ...PLENTY_OF_BUDGET },
      limitRows: [Number.POSITIVE_INFINITY, ...exactRpms],
      // Each limited row runs about this long (or N prompts, whichever is fewer), so the slow rates stay short.
      secondsPerRow: quick ? 3 : 10,
      // Quick (CI) mode: rxllm only; the p-queue rows at high rpms cost 30-40 s each on 2 loaded cores.
      clients: quick ? ['rxllm'] : ['rxllm', 'openai-p-queue'],
      runs: quick ? 1 : 3,
      peerRuns: 1,
    },
  ];
}

/** The server settings that enforce exactly `rpm` as a token bucket whose window holds a whole number of requests. */
export function exactLimitServer(rpm) {
  let seconds = 1;
  while (((rpm * seconds) % 60 !== 0) && seconds < 60) seconds += 1;
  return { rpmLimit: Math.round((rpm * seconds) / 60), windowMs: seconds * 1_000, rateLimitAlgorithm: 'token-bucket' };
}
