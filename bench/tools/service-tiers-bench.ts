// Issue 26's scenario: 2,000 prompts at `serviceTier: 'flex'` against the mock server refusing 30 % of flex requests
// for capacity (OpenAI's 429), flex answering 10x slower than the standard tier. Run 1: `tierFallback` after 2
// refusals: nothing lost, no duplicate, every item's tier and cost recorded, the cost against the standard tier.
// Run 2: the same with a deadline at half run 1's wall time: when the job ends, against the deadline plus one answer's
// latency (at flex). Run 3: what a user of the `openai` SDK + p-limit gets with `service_tier: 'flex'` against the same
// server (SDK defaults: 2 retries, then the item fails), from bench/node_modules (`npm ci` inside bench/ installs it).
// One process, one run each (a quick figure, not alternated statistics).
//
// Usage: npx tsx bench/tools/service-tiers-bench.ts [--prompts 2000] [--max-active 64] [--latency-ms 20]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { type ChatResponse, costOf, type LlmError, openai, parallelChat, progressTracker, summarizeUsage } from '../../src/index.js';
import { startMockServer } from '../../src/mock-server/index.js';

const { values } = parseArgs({ options: { prompts: { type: 'string' }, 'max-active': { type: 'string' }, 'latency-ms': { type: 'string' } } });
const PROMPTS = Number(values.prompts ?? 2000);
const MAX_ACTIVE = Number(values['max-active'] ?? 64);
const LATENCY_MS = Number(values['latency-ms'] ?? 20);
const FLEX_FACTOR = 10;

// p-limit lives in bench/node_modules only (not a root devDependency): loaded by a specifier typed as a plain string,
// so the root typecheck does not need it installed.
const P_LIMIT: string = 'p-limit';
const { default: pLimit } = (await import(P_LIMIT)) as { default: (concurrency: number) => <T>(task: () => Promise<T>) => Promise<T> };

const serverOptions = { flexRefusalShare: 0.3, latencyMs: LATENCY_MS, flexLatencyFactor: FLEX_FACTOR, seed: 26 };
const promptTexts = () => Array.from({ length: PROMPTS }, (_, index) => `Label review ${index}: it was fine`);

async function run(deadline?: number) {
  const server = await startMockServer(serverOptions);
  const model = openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'gpt-5', params: { serviceTier: 'flex' } });
  const progress = progressTracker();
  const prompts = promptTexts();
  const startedAt = performance.now();
  const results = await parallelChat(model, prompts, {
    maxActive: MAX_ACTIVE,
    rpm: Infinity,
    progress,
    retry: { maxRetries: 6, initialDelayMs: 50, maxDelayMs: 400 },
    tierFallback: { tier: 'default', afterRefusals: 2, ...(deadline === undefined ? {} : { deadline }) },
  });
  const wallMs = performance.now() - startedAt;
  const stats = server.stats();
  await model.provider.close?.();
  await server.close();
  const answers = results.filter((result): result is ChatResponse => result !== null && !(result instanceof Error));
  const tiers: Record<string, number> = {};
  for (const answer of answers) tiers[answer.serviceTier ?? '(none)'] = (tiers[answer.serviceTier ?? '(none)'] ?? 0) + 1;
  return {
    wallMs,
    answered: answers.length,
    failed: results.filter((result) => result instanceof Error).map((error) => (error as LlmError).name),
    notSent: results.filter((result) => result === null).length,
    duplicates: stats.duplicates,
    deliveredKeys: stats.deliveredKeys,
    tiers,
    cost: summarizeUsage(answers).cost,
    standardCost: summarizeUsage(answers.map(({ serviceTier: _served, ...answer }) => answer)).cost,
    capacityRefusals: progress.snapshot().capacityRefusals,
    serverCapacityRefusals: stats.capacityRefused,
  };
}

/** The openai SDK + p-limit, `service_tier: 'flex'`, SDK defaults; cost priced at the tier each answer names. */
async function runOpenAISdk() {
  const server = await startMockServer(serverOptions);
  const client = new OpenAI({ apiKey: 'mock', baseURL: server.openaiBaseURL });
  const limit = pLimit(MAX_ACTIVE);
  const startedAt = performance.now();
  const outcomes = await Promise.all(
    promptTexts().map((content) =>
      limit(() => client.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content }], service_tier: 'flex' })).then(
        (completion) => completion,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      ),
    ),
  );
  const wallMs = performance.now() - startedAt;
  const stats = server.stats();
  await server.close();
  const answers = outcomes.filter((outcome): outcome is Exclude<typeof outcome, Error> => !(outcome instanceof Error));
  const failures = outcomes.filter((outcome): outcome is Error => outcome instanceof Error);
  const tiers: Record<string, number> = {};
  let cost = 0;
  let standardCost = 0;
  for (const answer of answers) {
    const served = answer.service_tier ?? '(none)';
    tiers[served] = (tiers[served] ?? 0) + 1;
    const usage = { inputTokens: answer.usage?.prompt_tokens ?? 0, outputTokens: answer.usage?.completion_tokens ?? 0 };
    cost += costOf('gpt-5', usage, undefined, served === 'flex' ? 'flex' : 'standard') ?? Number.NaN;
    standardCost += costOf('gpt-5', usage) ?? Number.NaN;
  }
  return {
    wallMs,
    answered: answers.length,
    failed: failures.length,
    failedAs: [...new Set(failures.map((error) => `${error.constructor.name} ${(error as { status?: number }).status ?? ''}`.trim()))],
    duplicates: stats.duplicates,
    tiers,
    cost,
    standardCost,
    serverCapacityRefusals: stats.capacityRefused,
  };
}

const allFlex = await run();
console.log('all flex, fallback after 2 refusals:', JSON.stringify({ ...allFlex, wallMs: Math.round(allFlex.wallMs) }));
const deadline = Math.round(allFlex.wallMs / 2);
const withDeadline = await run(deadline);
const allowed = deadline * 1.1 + LATENCY_MS * FLEX_FACTOR;
console.log(`deadline ${deadline} ms:`, JSON.stringify({ ...withDeadline, wallMs: Math.round(withDeadline.wallMs) }));
console.log(`ended at ${Math.round(withDeadline.wallMs)} ms; deadline x 1.1 + one flex answer = ${Math.round(allowed)} ms: ${withDeadline.wallMs <= allowed ? 'within' : 'OVER'}`);
const sdk = await runOpenAISdk();
console.log('openai SDK + p-limit, service_tier flex:', JSON.stringify({ ...sdk, wallMs: Math.round(sdk.wallMs) }));
