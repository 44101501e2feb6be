// parallelChat(model, prompts, options): the Promise wrapper. Resolves with one entry per prompt, in input order:
// a ChatResponse, the prompt's LlmError after retries, or null when it was never sent. Offline unless BASE_URL or
// OPENAI_API_KEY is set: then a local mock server answers, failing about one request in eight with a 400.
import { interpolate, openai, parallelChat, summarizeUsage } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY
  ? undefined
  : await startMockServer({ latencyMs: [10, 60], faults: { 400: 0.125 }, seed: 5 });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
  const prompts = interpolate('Name one famous {{ thing }}, in three words at most.', {
    thing: ['painter', 'river', 'bridge', 'novel', 'composer', 'mountain', 'poet', 'desert', 'city', 'ship'],
  });

  // onError: 'return' (the default) sends nothing new after a failure (a 400 is not retried), lets the requests in
  // flight finish and resolves: prompts never sent are null. 'continue' would answer every prompt; 'stop' rejects.
  const results = await parallelChat(model, prompts, { maxActive: 3, rpm: 1200, params: { maxTokens: 16 } });
  results.forEach((result, i) => {
    if (result === null) console.log(i, 'not sent');
    else if (result instanceof Error) console.log(i, `${result.name}: ${result.message}`);
    else console.log(i, result.text);
  });

  const usage = summarizeUsage(results);
  console.log(`succeeded ${usage.succeeded}, failed ${usage.failed}, not sent ${usage.notSubmitted}`);
  console.log(`tokens: ${usage.inputTokens} in + ${usage.outputTokens} out, cost: $${usage.cost?.toFixed(6) ?? 'unknown'}`);
} finally {
  await server?.close();
}
