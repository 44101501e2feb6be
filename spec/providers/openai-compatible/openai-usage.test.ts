import { lastValueFrom, toArray } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChatProvider } from '../../../src/model/chat-provider.js';
import type { ProviderRequest } from '../../../src/types.js';
import { createOpenAIProvider } from '../../../src/providers/openai-compatible/openai-provider.js';
import { respond } from '../../support/local-server.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { sseData } from '../../support/openai-transcripts.js';

const local = useLocalModels();
const { server } = local;
let provider: ChatProvider;
beforeEach(() => {
  provider = createOpenAIProvider({ id: 'local', ...local.providerSettings() });
});

const request: ProviderRequest = { model: 'requested-model', messages: [{ role: 'user', content: 'Hi' }], params: {} };

// The usage block of xAI's documented Chat Completions answer with a prompt-cache hit (an OpenAI-compatible server;
// docs.x.ai/developers/advanced-api-usage/prompt-caching/usage-and-pricing): 98 of 125 prompt tokens from the cache.
const cachedUsage = {
  prompt_tokens: 125,
  completion_tokens: 48,
  total_tokens: 173,
  prompt_tokens_details: { text_tokens: 125, audio_tokens: 0, image_tokens: 0, cached_tokens: 98 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

// Composed: the field layout of the chat completion example in openai/openai-openapi (openapi.yaml, "Default"
// example of POST /chat/completions), with the figures of that file's reasoning example for /responses
// (output_tokens 1035 of which reasoning_tokens 832; input 81, cached 0): reasoning is part of the output count.
const reasoningBody = {
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
  object: 'chat.completion',
  created: 1741570283,
  model: 'o3-2025-04-16',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Done.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: {
    prompt_tokens: 81,
    completion_tokens: 1035,
    total_tokens: 1116,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 832, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  service_tier: 'default',
};

describe('OpenAI usage details', () => {
  it('reads cached prompt tokens from prompt_tokens_details as a part of inputTokens', async () => {
    server.handle(respond.json(200, { ...reasoningBody, model: 'grok-4', usage: cachedUsage }));
    const response = await lastValueFrom(provider.chat(request));
    expect(response.usage).toEqual({ inputTokens: 125, outputTokens: 48, cachedInputTokens: 98, reasoningTokens: 0 });
  });

  it('reads reasoning tokens from completion_tokens_details as a part of outputTokens', async () => {
    server.handle(respond.json(200, reasoningBody));
    const response = await lastValueFrom(provider.chat(request));
    expect(response.usage).toEqual({ inputTokens: 81, outputTokens: 1035, cachedInputTokens: 0, reasoningTokens: 832 });
  });

  it('leaves the details out when a compatible server sends none', async () => {
    server.handle(respond.json(200, { choices: [{ message: { content: 'x' } }], usage: { prompt_tokens: 3, completion_tokens: 1 } }));
    expect((await lastValueFrom(provider.chat(request))).usage).toEqual({ inputTokens: 3, outputTokens: 1 });
  });

  it('carries the details on the final chunk of a stream', async () => {
    const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk', model: 'grok-4' };
    server.handle(
      respond.sse(
        sseData({ ...base, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] }) +
          sseData({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
          sseData({ ...base, choices: [], usage: cachedUsage }) +
          'data: [DONE]\n\n',
      ),
    );
    const chunks = await lastValueFrom(provider.stream(request).pipe(toArray()));
    expect(chunks.at(-1)?.usage).toEqual({ inputTokens: 125, outputTokens: 48, cachedInputTokens: 98, reasoningTokens: 0 });
  });

  it('takes the model name from a later chunk when the first says model: "" (Azure)', async () => {
    // Azure OpenAI's first chunk carries the prompt filter results and `model: ""`; the model name comes later.
    const first = { id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] };
    const later = { id: 'chatcmpl-az', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024-07-18' };
    server.handle(
      respond.sse(
        sseData(first) +
          sseData({ ...later, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] }) +
          sseData({ ...later, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 1 } }) +
          'data: [DONE]\n\n',
      ),
    );
    const chunks = await lastValueFrom(provider.stream(request).pipe(toArray()));
    expect(chunks[0]?.model).toBe('gpt-4o-mini-2024-07-18');
  });

  it('falls back to the requested model when every chunk says model: ""', async () => {
    const base = { id: 'chatcmpl-az', object: 'chat.completion.chunk', model: '' };
    server.handle(
      respond.sse(
        sseData({ ...base, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] }) + 'data: [DONE]\n\n',
      ),
    );
    const chunks = await lastValueFrom(provider.stream(request).pipe(toArray()));
    expect(chunks[0]?.model).toBe('requested-model');
  });

  it('repeats on the final chunk a model name that came after the first chunk', async () => {
    const base = { id: 'chatcmpl-az', object: 'chat.completion.chunk' };
    server.handle(
      respond.sse(
        sseData({ ...base, model: '', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] }) +
          sseData({ ...base, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
          'data: [DONE]\n\n',
      ),
    );
    const chunks = await lastValueFrom(provider.stream(request).pipe(toArray()));
    expect(chunks.map((chunk) => chunk.model)).toEqual(['requested-model', 'gpt-4o-mini-2024-07-18']);
  });

  it('falls back to the requested model when a completion says model: ""', async () => {
    server.handle(respond.json(200, { ...reasoningBody, model: '' }));
    expect((await lastValueFrom(provider.chat(request))).model).toBe('requested-model');
  });
});
