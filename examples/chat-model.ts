// chatModel('provider/model', options?): a ChatModel from a routing string. Known prefixes are in knownProviders,
// each with its usual environment variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, GROQ_API_KEY, VLLM_BASE_URL…).
// Offline unless BASE_URL or a key is set: then every route points at one local mock server (it speaks both protocols).
import { lastValueFrom } from 'rxjs';
import { chatModel, knownProviders, type ChatModelOptions } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

console.log('known prefixes:', Object.keys(knownProviders).join(', '));
const { BASE_URL, OPENAI_API_KEY, ANTHROPIC_API_KEY, MODEL } = process.env;
const server = BASE_URL || OPENAI_API_KEY || ANTHROPIC_API_KEY ? undefined : await startMockServer();
try {
  const routes: ReadonlyArray<readonly [id: string, options: ChatModelOptions]> = server
    ? [
        ['openai/gpt-4o-mini', { baseURL: server.openaiBaseURL }],
        ['anthropic/claude-haiku-4-5', { baseURL: server.anthropicBaseURL }],
        ['ollama/llama3.2', { baseURL: server.openaiBaseURL }], // an OpenAI-compatible host; no key needed
      ]
    : [
        ...(OPENAI_API_KEY ? [['openai/gpt-4o-mini', {}] as const] : []),
        ...(ANTHROPIC_API_KEY ? [['anthropic/claude-haiku-4-5', {}] as const] : []),
        ...(BASE_URL ? [[`vllm/${MODEL ?? 'default'}`, { baseURL: BASE_URL }] as const] : []), // any OpenAI-compatible server
      ];

  for (const [id, options] of routes) {
    const model = chatModel(id, { ...options, params: { maxTokens: 12 } });
    const response = await lastValueFrom(model.chat('Say hello.'));
    console.log(`${model.id} (provider ${model.provider.id}, model ${model.model}): ${response.text}`);
  }

  try {
    chatModel('gpt-4o-mini'); // no prefix: fails at once, listing the known ones
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    console.log(`${error.name}: ${error.message}`);
  }
} finally {
  await server?.close();
}
