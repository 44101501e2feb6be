import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type ChatModel, chatModel, InvalidOptionsError, knownProviders } from '../../src/index.js';
import { type RecordedRequest, respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { completionBody, sseData } from '../support/openai-transcripts.js';

// What each preset sends, recorded on a local server: path, key header, body keys, for a JSON request and a stream.
// The knowledge behind each expectation is cited next to the preset in src/providers/chat-model-router.ts.

const ENV_NAMES = Object.values(knownProviders)
  .flatMap((preset) => [preset.apiKeyEnv, preset.baseURLEnv, preset.endpointEnv])
  .filter((name): name is string => name !== undefined);

const { server, keep } = useLocalModels({ env: ENV_NAMES });
const make = (id: string, options?: Parameters<typeof chatModel>[1]): ChatModel => keep(chatModel(id, options));

const PARAMS = { maxTokens: 20, temperature: 0.5, topP: 0.9, stop: ['END'], seed: 7 };

/** Sends one JSON request and one stream with every common param; returns both recorded requests. */
async function record(id: string, options: Parameters<typeof chatModel>[1] = {}): Promise<[RecordedRequest, RecordedRequest]> {
  const streamBody = sseData({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }] }) + sseData('[DONE]');
  server.enqueue(respond.json(200, completionBody('hi')), respond.text(200, streamBody, { 'content-type': 'text/event-stream' }));
  const model = make(id, { params: PARAMS, ...options });
  const first = server.requests.length;
  await firstValueFrom(model.chat('Hi'));
  await lastValueFrom(model.stream('Hi').pipe(toArray()));
  return [server.requests[first]!, server.requests[first + 1]!];
}

function keysOf(request: RecordedRequest): string[] {
  return Object.keys(request.body as object).sort();
}

const COMMON_KEYS = ['messages', 'model', 'stop', 'temperature', 'top_p'];

describe('presets: what each one sends', () => {
  it('azure: /openai/v1 under AZURE_OPENAI_ENDPOINT, the key in api-key (no Authorization), max_completion_tokens', async () => {
    process.env.AZURE_OPENAI_ENDPOINT = `${server.url}/`;
    process.env.AZURE_OPENAI_API_KEY = 'azure-key-1234567890';
    const [json, stream] = await record('azure/my-gpt-4o-deployment');
    expect(json.path).toBe('/openai/v1/chat/completions');
    expect(json.headers['api-key']).toBe('azure-key-1234567890');
    expect(json.headers.authorization).toBeUndefined();
    expect(keysOf(json)).toEqual([...COMMON_KEYS, 'max_completion_tokens', 'seed'].sort());
    expect(keysOf(stream)).toEqual([...COMMON_KEYS, 'max_completion_tokens', 'seed', 'stream', 'stream_options'].sort());
    expect((json.body as { model: string }).model).toBe('my-gpt-4o-deployment');
  });

  it('azure: AZURE_OPENAI_BASE_URL is taken as is, and a missing endpoint or key fails naming the variables', async () => {
    expect(() => chatModel('azure/x', { apiKey: 'k' })).toThrow(/AZURE_OPENAI_ENDPOINT/);
    process.env.AZURE_OPENAI_ENDPOINT = 'https://my-resource.openai.azure.com';
    expect(() => chatModel('azure/x')).toThrow(/AZURE_OPENAI_API_KEY/);
    process.env.AZURE_OPENAI_BASE_URL = `${server.url}/custom/v1`;
    process.env.AZURE_OPENAI_API_KEY = 'azure-key-abcdefghij';
    const [json] = await record('azure/x');
    expect(json.path).toBe('/custom/v1/chat/completions');
  });

  it('gemini: Bearer GEMINI_API_KEY, max_tokens, stream_options and seed kept', async () => {
    expect(knownProviders.gemini?.baseURL).toBe('https://generativelanguage.googleapis.com/v1beta/openai');
    process.env.GEMINI_BASE_URL = server.baseURL;
    process.env.GEMINI_API_KEY = 'gemini-key-1234567890';
    const [json, stream] = await record('gemini/gemini-2.5-flash');
    expect(json.headers.authorization).toBe('Bearer gemini-key-1234567890');
    expect(keysOf(json)).toEqual([...COMMON_KEYS, 'max_tokens', 'seed'].sort());
    expect(keysOf(stream)).toEqual([...COMMON_KEYS, 'max_tokens', 'seed', 'stream', 'stream_options'].sort());
  });

  it('mistral: never sends stream_options (Mistral answers 422) and sends seed as random_seed', async () => {
    process.env.MISTRAL_BASE_URL = server.baseURL;
    process.env.MISTRAL_API_KEY = 'mistral-key-1234567890';
    const [json, stream] = await record('mistral/mistral-small-latest');
    expect(keysOf(json)).toEqual([...COMMON_KEYS, 'max_tokens', 'random_seed'].sort());
    expect(keysOf(stream)).toEqual([...COMMON_KEYS, 'max_tokens', 'random_seed', 'stream'].sort());
    expect((json.body as { random_seed: number }).random_seed).toBe(7);
  });

  it('mistral: streamUsage, renameFields and params.extra override the preset', async () => {
    process.env.MISTRAL_BASE_URL = server.baseURL;
    process.env.MISTRAL_API_KEY = 'mistral-key-1234567890';
    const [, stream] = await record('mistral/m', { streamUsage: true, renameFields: {} });
    expect(keysOf(stream)).toContain('stream_options');
    expect(keysOf(stream)).toContain('seed');
    const [, again] = await record('mistral/m', { params: { ...PARAMS, extra: { stream_options: { include_usage: true } } } });
    expect((again.body as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
  });

  it('cerebras: max_completion_tokens and no service_tier; xai and groq: the plain OpenAI body', async () => {
    process.env.CEREBRAS_BASE_URL = server.baseURL;
    process.env.CEREBRAS_API_KEY = 'cerebras-key-1234567890';
    const [cerebras] = await record('cerebras/llama-3.3-70b', { params: { ...PARAMS, extra: {} } });
    expect(cerebras.headers.authorization).toBe('Bearer cerebras-key-1234567890');
    expect(keysOf(cerebras)).toEqual([...COMMON_KEYS, 'max_completion_tokens', 'seed'].sort());
    expect(knownProviders.cerebras?.omitFields).toContain('service_tier');
    for (const prefix of ['xai', 'groq']) {
        process.env[`${prefix.toUpperCase()}_BASE_URL`] = server.baseURL;
      process.env[`${prefix.toUpperCase()}_API_KEY`] = `${prefix}-key-1234567890`;
      const [json, stream] = await record(`${prefix}/some-model`);
      expect(json.headers.authorization).toBe(`Bearer ${prefix}-key-1234567890`);
      expect(keysOf(json)).toEqual([...COMMON_KEYS, 'max_tokens', 'seed'].sort());
      expect(keysOf(stream)).toEqual([...COMMON_KEYS, 'max_tokens', 'seed', 'stream', 'stream_options'].sort());
    }
  });

  it('lmstudio: local default on port 1234, no key needed and no Authorization sent', async () => {
    expect(knownProviders.lmstudio?.baseURL).toBe('http://127.0.0.1:1234/v1');
    process.env.LMSTUDIO_BASE_URL = server.baseURL;
    const [json] = await record('lmstudio/qwen2.5-7b-instruct');
    expect(json.path).toBe('/v1/chat/completions');
    expect(json.headers.authorization).toBeUndefined();
  });

  it('names a bad override field', () => {
    expect(() => chatModel('mistral/m', { apiKey: 'k', omitFields: 'stream_options' as never })).toThrow(/omitFields/);
    expect(() => chatModel('mistral/m', { apiKey: 'k', apiKeyHeader: 'x-key' as never })).toThrow(/apiKeyHeader/);
    expect(() => chatModel('mistral/m', { apiKey: 'k', renameFields: { seed: 3 } as never })).toThrow(/renameFields/);
  });

  it('a key sent in api-key never appears in an error', async () => {
    process.env.AZURE_OPENAI_ENDPOINT = server.url;
    server.handle(respond.json(401, { error: { message: 'Access denied due to invalid subscription key azure-key-secret-987654.', code: '401' } }));
    const error = await firstValueFrom(make('azure/x', { apiKey: 'azure-key-secret-987654', maxRetries: 0 }).chat('Hi')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(JSON.stringify(error) + String(error) + (error as Error).message).not.toContain('azure-key-secret-987654');
    expect(error).not.toBeInstanceOf(InvalidOptionsError);
  });
});
