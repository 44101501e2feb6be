import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type ChatModel, chatModel, InvalidOptionsError, knownProviders } from '../../src/index.js';
import { respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { completionBody } from '../support/openai-transcripts.js';
import { messageBody } from './anthropic/anthropic-transcripts.js';

const ENV_NAMES = Object.values(knownProviders).flatMap((preset) => [preset.apiKeyEnv, preset.baseURLEnv]).concat('OLLAMA_HOST', 'AZURE_OPENAI_ENDPOINT');

const { server, keep } = useLocalModels({ env: ENV_NAMES });
const make = (id: string, options?: Parameters<typeof chatModel>[1]): ChatModel => keep(chatModel(id, options));

describe('knownProviders', () => {
  it('lists each prefix with its protocol, default base URL and environment variables', () => {
    const table = Object.fromEntries(Object.entries(knownProviders).map(([name, preset]) => [name, [preset.protocol, preset.baseURL, preset.apiKeyEnv, preset.baseURLEnv]]));
    expect(table).toEqual({
      openai: ['openai', 'https://api.openai.com/v1', 'OPENAI_API_KEY', 'OPENAI_BASE_URL'],
      anthropic: ['anthropic', 'https://api.anthropic.com', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'],
      ollama: ['openai', 'http://127.0.0.1:11434/v1', 'OLLAMA_API_KEY', 'OLLAMA_BASE_URL'],
      vllm: ['openai', undefined, 'VLLM_API_KEY', 'VLLM_BASE_URL'],
      openrouter: ['openai', 'https://openrouter.ai/api/v1', 'OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL'],
      groq: ['openai', 'https://api.groq.com/openai/v1', 'GROQ_API_KEY', 'GROQ_BASE_URL'],
      together: ['openai', 'https://api.together.xyz/v1', 'TOGETHER_API_KEY', 'TOGETHER_BASE_URL'],
      deepseek: ['openai', 'https://api.deepseek.com/v1', 'DEEPSEEK_API_KEY', 'DEEPSEEK_BASE_URL'],
      mistral: ['openai', 'https://api.mistral.ai/v1', 'MISTRAL_API_KEY', 'MISTRAL_BASE_URL'],
      fireworks: ['openai', 'https://api.fireworks.ai/inference/v1', 'FIREWORKS_API_KEY', 'FIREWORKS_BASE_URL'],
      azure: ['openai', undefined, 'AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_BASE_URL'],
      gemini: ['openai', 'https://generativelanguage.googleapis.com/v1beta/openai', 'GEMINI_API_KEY', 'GEMINI_BASE_URL'],
      lmstudio: ['openai', 'http://127.0.0.1:1234/v1', 'LMSTUDIO_API_KEY', 'LMSTUDIO_BASE_URL'],
      cerebras: ['openai', 'https://api.cerebras.ai/v1', 'CEREBRAS_API_KEY', 'CEREBRAS_BASE_URL'],
      xai: ['openai', 'https://api.x.ai/v1', 'XAI_API_KEY', 'XAI_BASE_URL'],
    });
  });
});

describe('chatModel()', () => {
  const openAICompatible = Object.entries(knownProviders).filter(([, preset]) => preset.protocol === 'openai');
  for (const [prefix, preset] of openAICompatible) {
    it(`routes ${prefix}/… to an OpenAI-compatible provider with ${preset.apiKeyEnv} and ${preset.baseURLEnv}`, async () => {
      process.env[preset.baseURLEnv] = server.baseURL;
      process.env[preset.apiKeyEnv] = `key-for-${prefix}-123456`;
      server.handle(respond.json(200, completionBody('hi')));
      const model = make(`${prefix}/org/some-model:latest`);
      expect(model.provider.id).toBe(prefix);
      expect(model.model).toBe('org/some-model:latest');
      expect(model.id).toBe(`${prefix}/org/some-model:latest`);
      await firstValueFrom(model.chat('Hi'));
      const request = server.requests[0]!;
      expect(request.path).toBe('/v1/chat/completions');
      if (preset.apiKeyHeader === 'api-key') expect(request.headers['api-key']).toBe(`key-for-${prefix}-123456`);
      else expect(request.headers.authorization).toBe(`Bearer key-for-${prefix}-123456`);
      expect((request.body as { model: string }).model).toBe('org/some-model:latest');
    });
  }

  it('routes anthropic/… to the Messages API with ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL', async () => {
    process.env.ANTHROPIC_BASE_URL = server.url;
    process.env.ANTHROPIC_API_KEY = 'sk-ant-router-123456';
    server.handle(respond.json(200, messageBody('hi')));
    const model = make('anthropic/claude-haiku-4-5', { maxTokens: 64 });
    expect(model.provider.id).toBe('anthropic');
    expect(model.id).toBe('anthropic/claude-haiku-4-5');
    await firstValueFrom(model.chat('Hi'));
    expect(server.requests[0]!.path).toBe('/v1/messages');
    expect(server.requests[0]!.headers['x-api-key']).toBe('sk-ant-router-123456');
    expect((server.requests[0]!.body as { max_tokens: number }).max_tokens).toBe(64);
  });

  it('reaches ollama through OLLAMA_HOST without a key, and options win over the environment', async () => {
    process.env.OLLAMA_HOST = `127.0.0.1:${server.port}`;
    server.handle(respond.json(200, completionBody('hi')));
    await firstValueFrom(make('ollama/llama3.2').chat('Hi'));
    expect(server.requests[0]!.path).toBe('/v1/chat/completions');
    expect(server.requests[0]!.headers.authorization).toBeUndefined();

    process.env.GROQ_BASE_URL = 'http://127.0.0.1:1/v1';
    await firstValueFrom(make('groq/llama-3.1-8b-instant', { baseURL: server.baseURL, apiKey: 'groq-from-options' }).chat('Hi'));
    expect(server.requests[1]!.headers.authorization).toBe('Bearer groq-from-options');
  });

  it("labels Groq's request figures as per day, and OpenAI's as per minute", async () => {
    // The example headers of https://console.groq.com/docs/rate-limits ("Rate Limit Headers"): requests per day,
    // tokens per minute.
    const groqHeaders = {
      'x-ratelimit-limit-requests': '14400',
      'x-ratelimit-limit-tokens': '18000',
      'x-ratelimit-remaining-requests': '14370',
      'x-ratelimit-remaining-tokens': '17997',
      'x-ratelimit-reset-requests': '2m59.56s',
      'x-ratelimit-reset-tokens': '7.66s',
    };
    server.handle(respond.json(200, completionBody('hi'), groqHeaders));
    const options = { baseURL: server.baseURL, apiKey: 'test-key-123456' };
    const groq = await firstValueFrom(make('groq/llama-3.1-8b-instant', options).chat('Hi'));
    expect(groq.rateLimit).toMatchObject({ limitRequests: 14_400, remainingRequests: 14_370, windowRequestsMs: 86_400_000, limitTokens: 18_000 });
    expect(groq.rateLimit?.windowTokensMs).toBeUndefined();
    const openai = await firstValueFrom(make('openai/gpt-4o-mini', options).chat('Hi'));
    expect(openai.rateLimit).toMatchObject({ limitRequests: 14_400 });
    expect(openai.rateLimit?.windowRequestsMs).toBeUndefined();
  });

  it('fails with a clear message for an unknown prefix or a missing slash, listing the known prefixes', () => {
    for (const id of ['nosuch/pro', 'gpt-4o-mini', '/gpt-4o', 'openai/']) {
      expect(() => chatModel(id)).toThrow(InvalidOptionsError);
    }
    expect(() => chatModel('nosuch/pro')).toThrow(/unknown provider prefix "nosuch".*openai, anthropic, ollama, vllm, openrouter, groq/);
    expect(() => chatModel('gpt-4o-mini')).toThrow(/no provider prefix/);
    expect(() => chatModel('openai/')).toThrow(/no model name/);
  });

  it('fails at once without a key for a hosted provider, and without a base URL for vllm', () => {
    expect(() => chatModel('groq/llama3')).toThrow(/GROQ_API_KEY/);
    expect(() => chatModel('openrouter/meta-llama/llama-3-70b')).toThrow(/OPENROUTER_API_KEY/);
    expect(() => chatModel('openai/gpt-4o-mini')).toThrow(/OPENAI_API_KEY/);
    expect(() => chatModel('anthropic/claude-haiku-4-5')).toThrow(/ANTHROPIC_API_KEY/);
    expect(() => chatModel('vllm/qwen')).toThrow(/VLLM_BASE_URL/);
  });

  it('passes options through to the factory, which names bad fields', () => {
    expect(() => chatModel('ollama/x', { timeout: -1 })).toThrow(/options\.timeout/);
  });
});
