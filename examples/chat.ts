// model.chat(prompt, params?): one request as a cold Observable that emits one ChatResponse.
// Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server answers (see README.md here).
import { lastValueFrom } from 'rxjs';
import { openai, type ChatMessage } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer();
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });

  // Cold: nothing is sent until the Observable is subscribed (here by lastValueFrom). Retryable errors are retried.
  const response = await lastValueFrom(model.chat('What is the capital of Peru? One word.', { maxTokens: 20, temperature: 0 }));
  console.log('text:', response.text);
  console.log('finishReason:', response.finishReason);
  console.log('usage:', JSON.stringify(response.usage));
  console.log('model:', response.model);

  // A conversation, and a full request object with its own params, are prompts too.
  const conversation: ChatMessage[] = [
    { role: 'system', content: 'You answer in one word.' },
    { role: 'user', content: 'What is the capital of Chile?' },
  ];
  const answer = await lastValueFrom(model.chat({ messages: conversation, params: { maxTokens: 10 } }));
  console.log('conversation:', answer.text);
} finally {
  await server?.close();
}
