// model.stream(prompt, params?): one streamed request as a cold Observable of ChatChunks — text deltas, then a
// final chunk with usage. Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server answers.
import { openai } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer({ tokensPerSecond: 200 });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
  let chunks = 0;
  // forEach subscribes and resolves when the stream completes. Retried only before the first chunk; a drop later
  // rejects with a StreamInterruptedError keeping error.partialText.
  await model.stream('Count from one to five in words.', { maxTokens: 40 }).forEach((chunk) => {
    chunks += 1;
    process.stdout.write(chunk.text); // "" on chunks that carry no text
    if (chunk.usage) console.log(`\nfinishReason: ${chunk.finishReason}, usage: ${JSON.stringify(chunk.usage)}`);
  });
  console.log(`chunks: ${chunks}`);
} finally {
  await server?.close();
}
