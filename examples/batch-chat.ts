// batchChat(model, prompts, options): the provider's Batch API (half price, within 24 h), same results as parallelChat.
// Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server (its Batch API included) answers.
import { batchChat, isLlmError, openai } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

// The mock ends each batch 1 s after its create; it allows 2 requests per batch, so the job is split.
const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer({ batchDelayMs: 1000, batchMaxRequests: 2 });
try {
  const baseURL = server?.openaiBaseURL ?? process.env.BASE_URL;
  // batchApi: the base URL serves OpenAI's Batch API (the mock, a proxy); OpenAI's own URL needs no flag.
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL, batchApi: baseURL !== undefined });
  const prompts = ['Capital of Peru?', 'Capital of Chile?', 'Capital of Bolivia?', 'Capital of Ecuador?', 'Capital of Uruguay?'];

  const results = await batchChat(model, prompts, {
    pollInterval: server === undefined ? 60_000 : 200,
    batchLimits: { maxRequests: 2 },
    // statePath: a file keeping the job state, so a restarted process resumes the same provider batches.
    onProgress: (progress) => console.log(`progress: ${progress.collected}/${progress.total} collected, ${progress.batches.length} batches`),
  });
  results.forEach((result, index) => {
    if (result === null) console.log(`${index}: not run`);
    else if (isLlmError(result)) console.log(`${index}: failed: ${result.message}`);
    else console.log(`${index}: ${result.text}`);
  });
} finally {
  await server?.close();
}
