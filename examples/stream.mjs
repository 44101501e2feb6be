// model.stream(prompt, params?): one streamed request as a cold Observable of ChatChunks — text deltas, then a
// final chunk with usage. Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server answers.
import { openai } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer({ tokensPerSecond: 200 });
const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });

let chunks = 0;
model.stream('Count from one to five in words.', { maxTokens: 40 }).subscribe({
  next: (chunk) => {
    chunks += 1;
    process.stdout.write(chunk.text); // "" on chunks that carry no text
    if (chunk.usage) console.log(`\nfinishReason: ${chunk.finishReason}, usage: ${JSON.stringify(chunk.usage)}`);
  },
  // Retried only before the first chunk; a drop later is a StreamInterruptedError keeping error.partialText.
  error: (error) => {
    console.error(`\n${error.name}: ${error.message}`);
    process.exitCode = 1;
    server?.close();
  },
  complete: () => {
    console.log(`chunks: ${chunks}`);
    server?.close();
  },
});
