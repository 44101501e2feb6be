// parallelChatText(model, prompts, options): parallelChat keeping only each answer's text. Resolves in input order
// with a string, the prompt's LlmError after retries, or null when it was never sent. Offline unless BASE_URL or
// OPENAI_API_KEY is set: then a local mock server answers.
import { openai, parallelChatText } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer({ latencyMs: [10, 50] });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });

  const texts = await parallelChatText(model, ['Name a prime number.', 'Name a planet.', 'Name a metal.'], {
    maxActive: 3,
    onError: 'continue', // answer every prompt; failures are LlmError entries
    params: { maxTokens: 10, temperature: 0 },
  });
  console.log(texts);

  // Any iterable (or async iterable, or Observable) of prompts works: it is read one prompt per free slot.
  function* questions() {
    for (let n = 1; n <= 4; n += 1) yield `What is ${n} squared?`;
  }
  const squares = await parallelChatText(model, questions(), { maxActive: 2, params: { maxTokens: 8 } });
  squares.forEach((text, i) => console.log(`${i}: ${text instanceof Error ? `failed: ${text.message}` : text}`));
} finally {
  await server?.close();
}
