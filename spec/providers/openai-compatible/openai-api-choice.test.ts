import { lastValueFrom } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../../src/errors/llm-error.js';
import { chatModel } from '../../../src/providers/chat-model-router.js';
import { needsResponsesApi } from '../../../src/providers/openai-compatible/needs-responses-api.js';
import { openai } from '../../../src/providers/openai-compatible/openai.js';
import { respond } from '../../support/local-server.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { completionBody } from '../../support/openai-transcripts.js';
import { responsesReasoningBody } from '../../fixtures/responses-fixtures.js';

const { server } = useLocalModels();
beforeEach(() => {
  server.handle((exchange) =>
    (exchange.request.path === '/v1/responses' ? respond.json(200, responsesReasoningBody) : respond.json(200, completionBody('Lima')))(exchange),
  );
});

const pathOfFirstRequest = async (model: ReturnType<typeof openai>) => {
  await lastValueFrom(model.chat('Capital of Peru?'));
  return server.requests.at(-1)!.path;
};

describe('openai({ api })', () => {
  it.each(['gpt-5-pro', 'gpt-5-codex', 'o3-pro-2025-06-10', 'o1-pro', 'o4-mini-deep-research', 'gpt-5.1-codex'])('knows %s needs the Responses API', (model) => {
    expect(needsResponsesApi(model)).toBe(true);
  });

  it.each(['gpt-4o-mini', 'gpt-5', 'gpt-5-mini', 'o3', 'gpt-4.1'])('leaves %s on Chat Completions', (model) => {
    expect(needsResponsesApi(model)).toBe(false);
  });

  it('routes a Responses-only model to /responses by itself', async () => {
    expect(await pathOfFirstRequest(openai({ model: 'gpt-5-pro', baseURL: server.baseURL, apiKey: 'sk-x' }))).toBe('/v1/responses');
  });

  it("api: 'chat' wins over the model list, api: 'responses' reaches /responses for any model", async () => {
    expect(await pathOfFirstRequest(openai({ model: 'gpt-5-pro', api: 'chat', baseURL: server.baseURL }))).toBe('/v1/chat/completions');
    expect(await pathOfFirstRequest(openai({ model: 'gpt-4o-mini', api: 'responses', baseURL: server.baseURL }))).toBe('/v1/responses');
  });

  it('does not switch a compatible host serving a model of the same name', async () => {
    expect(await pathOfFirstRequest(openai({ model: 'gpt-5-pro', providerId: 'vllm', baseURL: server.baseURL }))).toBe('/v1/chat/completions');
  });

  it("chatModel('openai/gpt-5-pro') reaches /responses", async () => {
    const model = chatModel('openai/gpt-5-pro', { baseURL: server.baseURL, apiKey: 'sk-x' });
    expect(await pathOfFirstRequest(model)).toBe('/v1/responses');
  });

  it('validates api and reasoning, naming the field', () => {
    expect(() => openai({ model: 'm', baseURL: server.baseURL, api: 'completions' as 'chat' })).toThrow(/api/);
    expect(() => openai({ model: 'm', baseURL: server.baseURL, api: 'responses', reasoning: { effort: 'max' as 'high' } })).toThrow(/reasoning\.effort/);
    expect(() => openai({ model: 'gpt-4o-mini', baseURL: server.baseURL, reasoning: { effort: 'high' } })).toThrow(InvalidOptionsError);
    expect(() => openai({ model: 'gpt-4o-mini', baseURL: server.baseURL, reasoning: { effort: 'high' } })).toThrow(/reasoning/);
  });
});
