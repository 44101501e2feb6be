import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../src/errors/api-call-error.js';
import { customModel } from '../../../src/model/custom-model.js';
import { createOpenAIProvider } from '../../../src/providers/openai-compatible/openai-provider.js';
import { openai } from '../../../src/providers/openai-compatible/openai.js';
import { responsesOnlyRouter, routesOnResponsesOnly404 } from '../../../src/providers/openai-compatible/responses-only-router.js';
import { createResponsesProvider } from '../../../src/providers/openai-compatible/responses-provider.js';
import { chatEach } from '../../../src/pipeline/chat-each.js';
import { from } from 'rxjs';
import { respond } from '../../support/local-server.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { completionBody, readFixture } from '../../support/openai-transcripts.js';
import { errorOf } from '../../support/settle.js';
import { modelNotFound404Body, notAChatModel404Body, responsesOnly404Body, responsesReasoningBody } from '../../fixtures/responses-fixtures.js';

const local = useLocalModels();
const { server } = local;

/** Chat Completions refuses the models in `refused` with `body`; everything else answers. */
function serve(refused: readonly string[], body: unknown = responsesOnly404Body): void {
  server.handle((exchange) => {
    const { path, body: sent } = exchange.request;
    const model = (sent as { model?: string }).model ?? '';
    const stream = (sent as { stream?: boolean }).stream === true;
    if (path === '/v1/responses') {
      return (stream ? respond.sse(readFixture('openai-responses-stream.sse')) : respond.json(200, responsesReasoningBody))(exchange);
    }
    return (refused.includes(model) ? respond.json(404, body) : respond.json(200, completionBody('from chat')))(exchange);
  });
}

function router() {
  const settings = { id: 'openai', apiKey: 'sk-test-router-0123456789', ...local.providerSettings() };
  return responsesOnlyRouter(createOpenAIProvider(settings), createResponsesProvider(settings));
}

const paths = () => server.requests.map((request) => `${(request.body as { model: string }).model} ${request.path}`);

describe('responsesOnlyRouter: the "only supported in v1/responses" 404 switches a model once', () => {
  it('re-sends the refused request to /v1/responses and sends that model there from then on', async () => {
    serve(['gpt-5.9-pro']);
    const model = customModel(router(), { model: 'gpt-5.9-pro', retry: { maxRetries: 0 } });
    expect((await lastValueFrom(model.chat('Capital of Peru?'))).text).toBe('The answer is 42');
    expect((await lastValueFrom(model.chat('Capital of Chile?'))).text).toBe('The answer is 42');
    expect(paths()).toEqual(['gpt-5.9-pro /v1/chat/completions', 'gpt-5.9-pro /v1/responses', 'gpt-5.9-pro /v1/responses']);
  });

  it('does the same for a stream, and leaves other models on Chat Completions', async () => {
    serve(['o9-pro']);
    const provider = router();
    const chunks = await lastValueFrom(provider.stream({ model: 'o9-pro', messages: [{ role: 'user', content: 'Hi' }], params: {} }).pipe(toArray()));
    expect(chunks.at(-1)).toMatchObject({ finishReason: 'stop' });
    expect(chunks.map((chunk) => chunk.text).join('')).not.toBe('');
    const other = await lastValueFrom(provider.chat({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }], params: {} }));
    expect(other.text).toBe('from chat');
    expect(paths()).toEqual(['o9-pro /v1/chat/completions', 'o9-pro /v1/responses', 'gpt-4.1 /v1/chat/completions']);
  });

  it('switches on "This is not a chat model…" too', async () => {
    serve(['gpt-5.9-pro'], notAChatModel404Body);
    const model = customModel(router(), { model: 'gpt-5.9-pro', retry: { maxRetries: 0 } });
    expect((await lastValueFrom(model.chat('Hi'))).text).toBe('The answer is 42');
    expect(paths()).toEqual(['gpt-5.9-pro /v1/chat/completions', 'gpt-5.9-pro /v1/responses']);
  });

  it('does not count the detour as a failure in a pipeline', async () => {
    serve(['gpt-5.9-pro']);
    const model = customModel(router(), { model: 'gpt-5.9-pro', retry: { maxRetries: 0 } });
    const results = await lastValueFrom(from(['a', 'b', 'c']).pipe(chatEach(model, { maxActive: 1, retry: { maxRetries: 0 } }), toArray()));
    expect(results.map((result) => result.ok)).toEqual([true, true, true]);
    expect(server.requestCount).toBe(4);
  });

  it('reports any other 404 as it is, without a second request', async () => {
    serve(['gpt-9'], modelNotFound404Body);
    const error = await errorOf(customModel(router(), { model: 'gpt-9', retry: { maxRetries: 0 } }).chat('Hi'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(paths()).toEqual(['gpt-9 /v1/chat/completions']);
  });
});

describe('where openai() switches', () => {
  it('only on OpenAI itself, with api left to choose', () => {
    expect(routesOnResponsesOnly404({ providerId: 'openai', baseURL: 'https://api.openai.com/v1' })).toBe(true);
    expect(routesOnResponsesOnly404({ providerId: 'openai', baseURL: 'https://api.openai.com/v1', api: 'chat' })).toBe(false);
    expect(routesOnResponsesOnly404({ providerId: 'openai', baseURL: 'https://gateway.example.com/v1' })).toBe(false);
    expect(routesOnResponsesOnly404({ providerId: 'azure', baseURL: 'https://api.openai.com/v1' })).toBe(false);
  });

  it('a custom baseURL does not switch: the 404 is the answer', async () => {
    serve(['o9-pro']);
    const model = openai({ model: 'o9-pro', baseURL: server.baseURL, apiKey: 'sk-x', maxRetries: 0 });
    expect(await errorOf(model.chat('Hi'))).toBeInstanceOf(NotFoundError);
    expect(paths()).toEqual(['o9-pro /v1/chat/completions']);
  });
});
