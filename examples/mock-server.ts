// startMockServer(options) from 'rxllm/testing': a local OpenAI- and Anthropic-compatible server for tests and demos,
// with deterministic answers, latency, injected faults, server-side rate limits and counters. Always local (it is the
// point of this example): it checks that a faulty run still delivers every prompt exactly once.
import { parallelChat, openai } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = await startMockServer({
  latencyMs: [5, 40],
  faults: { 500: 0.05, 503: 0.05, 429: 0.05, reset: 0.05, 'midstream-drop': 0.05 }, // at seeded random
  faultRetryAfterMs: 50,
  rpmLimit: 50, // requests per windowMs; beyond that the server answers 429
  windowMs: 1_000,
  seed: 42,
});
try {
  console.log('listening on', server.url, '- OpenAI baseURL', server.openaiBaseURL, '- Anthropic baseURL', server.anthropicBaseURL);

  const model = openai({ model: 'mock-model', baseURL: server.openaiBaseURL });
  const prompts = Array.from({ length: 40 }, (_, i) => `Item ${i}: classify this.`);
  const results = await parallelChat(model, prompts, {
    maxActive: 8,
    rpm: 3_000, // faster than the server allows: its 429s pause the whole run, and the prompts are retried
    onError: 'continue',
    retry: { maxRetries: 6, initialDelayMs: 20 },
  });

  const stats = server.stats();
  console.log(`answered ${results.filter((r) => r !== null && !(r instanceof Error)).length} of ${prompts.length}`);
  console.log(`server: ${stats.requests} requests, injected faults ${JSON.stringify(stats.faults)}`);
  console.log(`429s for going over its rate limit: ${stats.rateLimitedByLimits}`);
  console.log(`delivered ${stats.delivered} answers for ${stats.deliveredKeys} prompts, duplicates: ${stats.duplicates}`);
  console.log(`deliveries of "${prompts[0]}": ${server.deliveriesOf(prompts[0] ?? '')}`);
} finally {
  await server.close();
}
