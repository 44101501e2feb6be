// estimateCost(model, prompts, params) prices a run before it starts; usageBudget({ maxCost, maxTotalTokens }) caps
// what it may spend: each request reserves its worst case (input estimate + maxTokens) before it is sent, and a prompt
// that could overrun the budget is not sent (null). Offline unless BASE_URL or OPENAI_API_KEY is set: then a local
// mock server answers, always using the whole maxTokens (the worst case).
import { usageBudget, estimateCost, interpolate, openai, parallelChat, summarizeUsage } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer({ answerTokens: 1_000 });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
  const prompts = interpolate('Write a short story about a {{ animal }}.', {
    animal: ['cat', 'dog', 'fox', 'owl', 'bee', 'elk', 'yak', 'emu', 'ant', 'bat'],
  });
  const params = { maxTokens: 400 };

  const estimate = estimateCost(model, prompts, params); // sends nothing; uses the built-in price table
  console.log(`${estimate.requests} requests, ~${estimate.inputTokens} input tokens, at most ${estimate.maxOutputTokens} output tokens`);
  console.log(`worst case $${estimate.maxCost?.toFixed(6)}, expected $${estimate.expectedCost?.toFixed(6)}`);

  // Allow a third of the worst case: the prompts that could overrun it stay unsent.
  const budget = usageBudget({ maxCost: (estimate.maxCost ?? 0) / 3 });
  const results = await parallelChat(model, prompts, { budget, params, maxActive: 2 });
  console.log(results.map((result) => (result === null ? 'not sent' : result instanceof Error ? result.name : 'ok')).join(', '));

  const usage = summarizeUsage(results);
  const state = budget.state();
  const sent = usage.succeeded + usage.failed;
  console.log(`sent ${sent}, not sent ${usage.notSubmitted}; spent $${state.spentCost.toFixed(6)} of $${budget.maxCost?.toFixed(6)}`);
} finally {
  await server?.close();
}
