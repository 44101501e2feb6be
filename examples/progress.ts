// progressTracker(): a tracker to pass as a pipeline's `progress` option; its progress$ emits snapshots (submitted,
// in flight, done, failed, retries, tokens, requests per minute, ETA) for a UI or a terminal bar. Offline unless
// BASE_URL or OPENAI_API_KEY is set: then a local mock server answers, with latency and a few retried 503s.
import { auditTime } from 'rxjs';
import { progressTracker, openai, parallelChat } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY
  ? undefined
  : await startMockServer({ latencyMs: [50, 150], faults: { 503: 0.1 }, seed: 3 });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
  const prompts = Array.from({ length: 30 }, (_, i) => `Give me fact number ${i + 1} about octopuses.`);

  const progress = progressTracker({ total: prompts.length });
  // progress$ emits on every change: throttle it for display. It completes when complete() is called.
  const display = progress.progress$.pipe(auditTime(250)).forEach((p) => {
    const eta = p.etaMs === undefined ? '?' : `${(p.etaMs / 1000).toFixed(1)} s`;
    console.log(`${p.done}/${p.total} done (${p.failed} failed, ${p.inFlight} in flight, ${p.retries} retries), ` +
      `${p.inputTokens + p.outputTokens} tokens, ${Math.round(p.requestsPerMinute)} req/min, ETA ${eta}`);
  });

  await parallelChat(model, prompts, {
    progress,
    maxActive: 5,
    rpm: 3_000,
    retry: { initialDelayMs: 100 },
    onError: 'continue',
    params: { maxTokens: 16 },
  });
  progress.complete(); // the display above prints its last line and completes
  await display;
  const final = progress.snapshot();
  console.log(`finished: ${final.succeeded} ok, ${final.failed} failed, ${final.retries} retries in ${final.elapsedMs} ms`);
} finally {
  await server?.close();
}
