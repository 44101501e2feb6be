// chatEach(model, options): the pipeline operator. Prompts in, one ChatResult per prompt out, in completion order,
// tagged with its input index. Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server answers
// (with varied latency and some injected 503s, so that a few prompts need a retry).
import { from } from 'rxjs';
import { chatEach, interpolate, openai } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY
  ? undefined
  : await startMockServer({ latencyMs: [20, 150], faults: { 503: 0.2 }, seed: 7 });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
  const countries = ['Peru', 'Chad', 'Laos', 'Fiji', 'Oman', 'Cuba', 'Mali', 'Iran'];
  const prompts = interpolate('What is the capital of {{ country }}? One word.', { country: countries });

  let failed = 0;
  // forEach resolves when the run completes; it rejects only for onError: 'stop' and fatal errors.
  await from(prompts)
    .pipe(chatEach(model, { maxActive: 4, rpm: 600, retry: { maxRetries: 3, initialDelayMs: 100 }, params: { maxTokens: 12 } }))
    .forEach((result) => {
      const outcome = result.ok ? result.response.text : `${result.error.name}: ${result.error.message}`;
      if (!result.ok) failed += 1;
      console.log(`#${result.index} (${countries[result.index]}, ${result.attempts} attempt(s)) ${outcome}`);
    });
  console.log(`done: ${prompts.length - failed} ok, ${failed} failed`);
} finally {
  await server?.close();
}
