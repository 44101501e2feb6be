// anthropic(options): a ChatModel for Anthropic's Messages API (key from ANTHROPIC_API_KEY). Everything else in these
// examples works the same with it. Offline unless BASE_URL (without /v1) or ANTHROPIC_API_KEY is set: then a local
// mock server speaks the Messages API.
import { lastValueFrom, toArray } from 'rxjs';
import { anthropic, parallelChatText } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.ANTHROPIC_API_KEY ? undefined : await startMockServer();
try {
  const model = anthropic({
    model: process.env.MODEL ?? 'claude-haiku-4-5',
    baseURL: server?.anthropicBaseURL ?? process.env.BASE_URL,
    maxTokens: 256, // max_tokens is required by the Messages API: this is the default for requests that set none
  });
  console.log('model id:', model.id);

  // A system message becomes the request's `system` field.
  const response = await lastValueFrom(model.chat([
    { role: 'system', content: 'Answer in one word.' },
    { role: 'user', content: 'What is the capital of Peru?' },
  ]));
  console.log('chat:', response.text, JSON.stringify(response.usage), response.finishReason);

  const chunks = await lastValueFrom(model.stream('Count to three.', { maxTokens: 12 }).pipe(toArray()));
  console.log(`stream: ${chunks.length} chunks: ${chunks.map((chunk) => chunk.text).join('')}`);

  console.log(await parallelChatText(model, ['Name a river.', 'Name a lake.'], { maxActive: 2, params: { temperature: 0 } }));
} finally {
  await server?.close();
}
