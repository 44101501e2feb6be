import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { anthropic, CapacityError, type ChatModel, chatModel, openai, parallelChat, progressTracker, UnsupportedTierError } from '../../src/index.js';
import { type MockServer, parseMockServerArgs, startMockServer } from '../../src/mock-server/index.js';

let server: MockServer | undefined;
const models: ChatModel[] = [];
afterEach(async () => {
  await Promise.all(models.splice(0).map((model) => model.provider.close?.()));
  await server?.close();
  server = undefined;
});
const track = <M extends ChatModel>(model: M): M => {
  models.push(model);
  return model;
};
const stats = async () => (await (await fetch(`${server!.url}/stats`)).json()) as { capacityRefused: number; tierUnsupported: number };

describe('mock server service tiers', () => {
  it('echoes the tier that served: OpenAI service_tier (chat, stream, Responses), Anthropic usage.service_tier', async () => {
    server = await startMockServer();
    const o = track(openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'gpt-5', maxRetries: 0, params: { serviceTier: 'flex' } }));
    expect((await firstValueFrom(o.chat('x'))).serviceTier).toBe('flex');
    expect((await lastValueFrom(o.stream('x').pipe(toArray()))).at(-1)?.serviceTier).toBe('flex');
    expect((await firstValueFrom(o.chat('x', { serviceTier: 'auto' }))).serviceTier).toBe('default');
    const r = track(openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'gpt-5', api: 'responses', maxRetries: 0, params: { serviceTier: 'priority' } }));
    expect((await firstValueFrom(r.chat('x'))).serviceTier).toBe('priority');
    const a = track(anthropic({ baseURL: server.anthropicBaseURL, apiKey: 'mock', model: 'claude-haiku-4-5', maxRetries: 0, params: { serviceTier: 'default' } }));
    expect((await firstValueFrom(a.chat('x'))).serviceTier).toBe('standard');
    expect((await lastValueFrom(a.stream('x').pipe(toArray()))).at(-1)?.serviceTier).toBe('standard');
  });

  it("refuses flex for capacity as OpenAI (429) and Groq (498) do, and only flex", async () => {
    server = await startMockServer({ flexRefusalShare: 1 });
    const o = track(openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'gpt-5', maxRetries: 0, params: { serviceTier: 'flex' } }));
    await expect(firstValueFrom(o.chat('x'))).rejects.toMatchObject({ name: 'CapacityError', status: 429 });
    expect((await firstValueFrom(o.chat('x', { serviceTier: 'default' }))).serviceTier).toBe('default');
    await server.close();
    server = await startMockServer({ flexRefusalShare: 1, flexRefusalStatus: 498 });
    const groq = track(chatModel('groq/llama-3.1-8b-instant', { baseURL: server.openaiBaseURL, apiKey: 'mock', maxRetries: 0, params: { serviceTier: 'flex' } }));
    const error = await firstValueFrom(groq.chat('x')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CapacityError);
    expect(error).toMatchObject({ status: 498, code: 'capacity_exceeded' });
    expect((await stats()).capacityRefused).toBe(1);
  });

  it('answers 400 param service_tier for a model configured without tiers', async () => {
    server = await startMockServer({ modelsWithoutTiers: ['gpt-4o-mini'] });
    const o = track(openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'gpt-4o-mini', maxRetries: 0, params: { serviceTier: 'flex' } }));
    await expect(firstValueFrom(o.chat('x'))).rejects.toBeInstanceOf(UnsupportedTierError);
    expect((await firstValueFrom(o.chat('x', { serviceTier: 'default' }))).text).not.toBe('');
    expect((await stats()).tierUnsupported).toBe(1);
  });

  it('takes the tier options as flags', () => {
    expect(parseMockServerArgs(['--flex-refusal-rate', '30%', '--flex-refusal-status', '498', '--flex-latency-factor', '3', '--model-without-tiers', 'a', '--model-without-tiers', 'b'])).toEqual({
      flexRefusalShare: 0.3,
      flexRefusalStatus: 498,
      flexLatencyFactor: 3,
      modelsWithoutTiers: ['a', 'b'],
    });
    expect(() => parseMockServerArgs(['--flex-refusal-status', '503'])).toThrow(/--flex-refusal-status/);
  });
});

describe('service tiers end to end against the mock', () => {
  it('parallelChat at flex with 30 % refusals: every item answered once, at flex or after two refusals at default, refusals counted apart', async () => {
    server = await startMockServer({ flexRefusalShare: 0.3, seed: 7 });
    const model = track(openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'gpt-5', params: { serviceTier: 'flex' } }));
    const progress = progressTracker();
    const prompts = Array.from({ length: 60 }, (_, index) => `Label review ${index}`);
    const results = await parallelChat(model, prompts, {
      maxActive: 8,
      rpm: Infinity,
      progress,
      retry: { maxRetries: 3, initialDelayMs: 1, maxDelayMs: 4 },
      tierFallback: { tier: 'default', afterRefusals: 2 },
    });
    const tiers = results.map((result) => (result !== null && 'serviceTier' in result ? result.serviceTier : `not answered: ${String(result)}`));
    expect(tiers.every((tier) => tier === 'flex' || tier === 'default'), tiers.join()).toBe(true);
    expect(tiers.filter((tier) => tier === 'flex').length).toBeGreaterThan(0);
    const refused = (await stats()).capacityRefused;
    expect(refused).toBeGreaterThan(0);
    expect(progress.snapshot()).toMatchObject({ capacityRefusals: refused, rateLimitRefusals: 0, failed: 0, succeeded: 60 });
  });

  it('switches a model without flex to the fallback tier once, with one warning, and answers every item', async () => {
    server = await startMockServer({ modelsWithoutTiers: ['gpt-4o-mini'] });
    const model = track(openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'gpt-4o-mini', params: { serviceTier: 'flex' } }));
    const progress = progressTracker();
    const results = await parallelChat(model, ['a', 'b', 'c', 'd', 'e', 'f'], { maxActive: 2, rpm: Infinity, progress, tierFallback: { tier: 'default' } });
    expect(results.map((result) => (result as { serviceTier?: string }).serviceTier)).toEqual(Array(6).fill('default'));
    expect(progress.snapshot().tierSwitches).toHaveLength(1);
    expect((await stats()).tierUnsupported).toBeLessThanOrEqual(2); // at most the two sent before the switch
  });
});
