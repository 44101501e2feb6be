// Retries and errors. Retryable failures (connection errors, timeouts, 408, 409, 429, 5xx) are retried with backoff
// (honouring retry-after); what still fails is an LlmError with status, code, retryable and fatal. Fatal errors (401,
// 402/quota, 403) stop the whole batch. Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server
// answers, with injected 500s, 429s and connection resets, and checks the API key (401 for a wrong one).
import { from, lastValueFrom, toArray } from 'rxjs';
import { AuthenticationError, chatEach, LlmError, openai, parallelChat, partialResultsOf } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const mockKey = 'mock-key-123';
const server = process.env.BASE_URL || process.env.OPENAI_API_KEY
  ? undefined
  : await startMockServer({ apiKey: mockKey, faults: { 500: 0.2, 429: 0.1, reset: 0.1 }, faultRetryAfterMs: 50, seed: 3 });
try {
  const baseURL = server?.openaiBaseURL ?? process.env.BASE_URL;
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL, ...(server && { apiKey: mockKey }) });

  const prompts = Array.from({ length: 10 }, (_, i) => `Question ${i + 1}: what is ${i} + ${i}?`);
  const results = await lastValueFrom(from(prompts).pipe(
    chatEach(model, { maxActive: 5, retry: { maxRetries: 3, initialDelayMs: 50 }, params: { maxTokens: 8 } }),
    toArray(),
  ));
  for (const result of results.sort((a, b) => a.index - b.index)) {
    const outcome = result.ok ? 'ok' : `${result.error.name} (status ${result.error.status}, retryable ${result.error.retryable})`;
    console.log(`#${result.index}: ${outcome} after ${result.attempts} attempt(s)`);
  }

  // A wrong key: 401 is fatal, so the batch stops whatever onError says, and the key never appears in the error.
  const wrongKey = 'sk-this-key-is-wrong-0000';
  const locked = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL, apiKey: wrongKey });
  try {
    await parallelChat(locked, prompts.slice(0, 3), { onError: 'continue' });
  } catch (error) {
    if (!(error instanceof LlmError)) throw error;
    console.log(`${error.name}: ${error.message}`);
    const keyShown = JSON.stringify(error).includes(wrongKey) || String(error).includes(wrongKey);
    console.log(`AuthenticationError: ${error instanceof AuthenticationError}, fatal: ${error.fatal}, key shown: ${keyShown}`);
    console.log('partial results:', partialResultsOf(error)?.map((r) => (r === null ? null : r instanceof Error ? r.name : 'ok')));
  }
} finally {
  await server?.close();
}
