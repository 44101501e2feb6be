import { lastValueFrom } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { openai } from '../../../src/providers/openai-compatible/openai.js';
import { rejectsSamplingParams } from '../../../src/providers/openai-compatible/rejects-sampling-params.js';
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

const REASONING = ['gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5-pro', 'gpt-5.1', 'gpt-5.2-codex', 'o1', 'o3', 'o3-mini', 'o4-mini', 'o4-mini-2025-04-16', 'o3-deep-research'];
const SAMPLING = ['gpt-4.1', 'gpt-4o-mini', 'gpt-5-chat-latest', 'omni-moderation-latest'];

/** The body the server received for one chat call with a factory-level `temperature: 0` and `topP`. */
async function sentBody(model: string, api: 'chat' | 'responses', providerId = 'openai'): Promise<Record<string, unknown>> {
  const m = openai({ model, api, providerId, baseURL: server.baseURL, apiKey: 'sk-x', params: { temperature: 0, topP: 0.9 } });
  await lastValueFrom(m.chat('Capital of Peru?'));
  return server.requests.at(-1)!.body as Record<string, unknown>;
}

describe('reasoning models and temperature / top_p', () => {
  it.each(REASONING)('knows %s rejects the sampling parameters', (model) => {
    expect(rejectsSamplingParams(model)).toBe(true);
  });

  it.each(SAMPLING)('knows %s takes them', (model) => {
    expect(rejectsSamplingParams(model)).toBe(false);
  });

  describe.each(['chat', 'responses'] as const)('%s API', (api) => {
    it.each(['gpt-5', 'gpt-5-mini', 'o3', 'o4-mini'])('leaves a factory-level temperature: 0 and topP out of %s requests', async (model) => {
      const body = await sentBody(model, api);
      expect(body.model).toBe(model);
      expect(body).not.toHaveProperty('temperature');
      expect(body).not.toHaveProperty('top_p');
    });

    it('sends them for a model that samples', async () => {
      expect(await sentBody('gpt-4.1', api)).toMatchObject({ temperature: 0, top_p: 0.9 });
    });

    it('still sends what params.extra names, as raw fields', async () => {
      const m = openai({ model: 'o3', api, baseURL: server.baseURL, apiKey: 'sk-x', params: { extra: { temperature: 1 } } });
      await lastValueFrom(m.chat('Hi'));
      expect(server.requests.at(-1)!.body).toMatchObject({ temperature: 1 });
    });
  });

  it('keeps them on Chat Completions for another compatible host, which may serve a model of the same name', async () => {
    expect(await sentBody('o3', 'chat', 'vllm')).toMatchObject({ temperature: 0, top_p: 0.9 });
  });
});
