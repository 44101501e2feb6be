import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { anthropic, chatModel, InvalidOptionsError, openai } from '../../src/index.js';
import { respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { completionBody, streamTranscript } from '../support/openai-transcripts.js';
import { messageBody } from './anthropic/anthropic-transcripts.js';

// Each quirk below is a request a real server rejects (issue 16, "Requests real servers reject"); sources are cited at
// the code that knows the quirk (the adapter or preset).

const { server, keep } = useLocalModels();

const lastBody = () => server.requests.at(-1)!.body as Record<string, unknown>;

describe('openai() requests', () => {
  it("accepts maxTokensField: 'max_completion_tokens' (reasoning models behind a gateway or Azure) and sends it", async () => {
    server.handle(respond.json(200, completionBody('x')));
    const model = keep(openai({ model: 'o4-mini', baseURL: server.baseURL, maxTokensField: 'max_completion_tokens' }));
    await firstValueFrom(model.chat('Hi', { maxTokens: 9 }));
    expect(lastBody()).toMatchObject({ max_completion_tokens: 9 });
    expect(lastBody()).not.toHaveProperty('max_tokens');
    expect(() => openai({ model: 'm', baseURL: server.baseURL, maxTokensField: 'max_output' as never })).toThrow(/maxTokensField/);
  });

  it('refuses more stop sequences than the server allows, naming the field, before sending anything', async () => {
    server.handle(respond.json(200, completionBody('x')));
    const model = keep(openai({ model: 'gpt-4o-mini', baseURL: server.baseURL, maxStopSequences: 4, maxRetries: 0 }));
    const error = await firstValueFrom(model.chat('Hi', { stop: ['a', 'b', 'c', 'd', 'e'] })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toMatch(/params\.stop: .*at most 4 stop sequences.*got 5/);
    expect(server.requestCount).toBe(0);
    await firstValueFrom(model.chat('Hi', { stop: ['a', 'b', 'c', 'd'] }));
    expect(lastBody()).toMatchObject({ stop: ['a', 'b', 'c', 'd'] });
    // a compatible server (no limit set) gets what it is given
    await firstValueFrom(keep(openai({ model: 'm', baseURL: server.baseURL })).chat('Hi', { stop: ['a', 'b', 'c', 'd', 'e'] }));
    expect(lastBody()).toMatchObject({ stop: ['a', 'b', 'c', 'd', 'e'] });
  });

  it('sends no stream_options with streamUsage: false', async () => {
    server.handle(respond.sse(streamTranscript(['a'])));
    await lastValueFrom(keep(openai({ model: 'm', baseURL: server.baseURL, streamUsage: false })).stream('Hi').pipe(toArray()));
    expect(lastBody()).toMatchObject({ stream: true });
    expect(lastBody()).not.toHaveProperty('stream_options');
  });
});

describe('chatModel() presets', () => {
  it('mistral/… sends no stream_options (Mistral answers 422 to it), unless streamUsage is set', async () => {
    server.handle(respond.sse(streamTranscript(['a'])));
    await lastValueFrom(keep(chatModel('mistral/mistral-small-latest', { baseURL: server.baseURL, apiKey: 'k' })).stream('Hi').pipe(toArray()));
    expect(lastBody()).not.toHaveProperty('stream_options');
    await lastValueFrom(keep(chatModel('mistral/mistral-small-latest', { baseURL: server.baseURL, apiKey: 'k', streamUsage: true })).stream('Hi').pipe(toArray()));
    expect(lastBody()).toMatchObject({ stream_options: { include_usage: true } });
  });
});

describe('anthropic() requests', () => {
  const responseFormat = {
    type: 'json_schema' as const,
    name: 'city',
    strict: true,
    schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  };
  const make = (name: string) => keep(anthropic({ model: name, apiKey: '', baseURL: server.url, maxRetries: 0 }));

  it('sends only temperature to Claude 4.5 and later when both temperature and topP are set; older models get both', async () => {
    server.handle(respond.json(200, messageBody('x')));
    for (const name of ['claude-sonnet-4-5', 'claude-haiku-4-5-20251001', 'claude-opus-4-6', 'anthropic.claude-sonnet-4-5-20250929-v1:0']) {
      await firstValueFrom(make(name).chat('Hi', { temperature: 0.2, topP: 0.9 }));
      expect(lastBody(), name).toMatchObject({ temperature: 0.2 });
      expect(lastBody(), name).not.toHaveProperty('top_p');
    }
    await firstValueFrom(make('claude-sonnet-4-5').chat('Hi', { topP: 0.9 }));
    expect(lastBody()).toMatchObject({ top_p: 0.9 });
    for (const name of ['claude-3-5-haiku-latest', 'claude-sonnet-4-20250514', 'claude-opus-4-1']) {
      await firstValueFrom(make(name).chat('Hi', { temperature: 0.2, topP: 0.9 }));
      expect(lastBody(), name).toMatchObject({ temperature: 0.2, top_p: 0.9 });
    }
    await firstValueFrom(make('claude-sonnet-4-5').chat('Hi', { temperature: 0.2, topP: 0.9, extra: { top_p: 0.8 } }));
    expect(lastBody()).toMatchObject({ temperature: 0.2, top_p: 0.8 });
  });

  it('never forces a tool while thinking: native output_config.format where the model has it, else tool_choice auto', async () => {
    const thinking = { type: 'enabled', budget_tokens: 1024 };
    server.handle(respond.json(200, messageBody('{"city":"Lima"}')));
    await firstValueFrom(make('claude-sonnet-4-5').chat('Hi', { responseFormat, extra: { thinking } }));
    expect(lastBody()).toMatchObject({ thinking, output_config: { format: { type: 'json_schema', schema: responseFormat.schema } } });
    expect(lastBody()).not.toHaveProperty('tool_choice');
    await firstValueFrom(make('claude-sonnet-4-20250514').chat('Hi', { responseFormat, extra: { thinking } }));
    expect(lastBody()).toMatchObject({ thinking, tool_choice: { type: 'auto' }, tools: [{ name: 'city' }] });
  });
});
