import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { anthropic, chatStructured, openai, parallelChatStructured, RefusalError, StructuredOutputError, structuredOutput } from '../../src/index.js';
import { anthropicStructuredRefusalMessage, openaiRefusalCompletion } from '../fixtures/content-fixtures.js';
import { respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { completionBody } from '../support/openai-transcripts.js';
import { errorOf } from '../support/settle.js';

const City = z.object({ city: z.string() });
const OPENAI_REFUSAL = "I'm very sorry, but I can't assist with that request.";

const { server, keep } = useLocalModels();
const openaiModel = () => keep(openai({ model: 'gpt-test', apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 }));
const anthropicModel = () => keep(anthropic({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: server.url, maxRetries: 0 }));

describe('refused structured requests', () => {
  it('structuredOutput().parse() reports a refusal as a RefusalError, whatever the text', () => {
    const result = structuredOutput(City).parse('{"city":"Lima"}', { finishReason: 'refusal', provider: 'p', requestId: 'r' });
    expect(result.ok).toBe(false);
    const error = (result as { ok: false; error: RefusalError }).error;
    expect(error).toBeInstanceOf(RefusalError);
    expect(error).toBeInstanceOf(StructuredOutputError);
    expect(error).toMatchObject({ refusal: '{"city":"Lima"}', rawText: '{"city":"Lima"}', code: 'refusal', provider: 'p', requestId: 'r', retryable: false });
    expect(error.message).not.toContain('does not match the schema');
  });

  it('chatStructured() fails with a RefusalError carrying OpenAI’s refusal text, and does not repair it', async () => {
    server.handle(respond.json(200, openaiRefusalCompletion));
    const error = await errorOf(chatStructured(openaiModel(), 'a bad question', City, { repair: true }));
    expect(error).toBeInstanceOf(RefusalError);
    expect((error as RefusalError).refusal).toBe(OPENAI_REFUSAL);
    expect(server.requestCount).toBe(1);
  });

  it('chatStructured() fails with a RefusalError for Anthropic’s refused forced tool', async () => {
    server.handle(respond.json(200, anthropicStructuredRefusalMessage));
    const error = await errorOf(chatStructured(anthropicModel(), 'Capital of Peru?', City));
    expect(error).toBeInstanceOf(RefusalError);
    expect((error as RefusalError).refusal).toBe('Declined by a policy classifier.');
  });

  it('parallelChatStructured() gives the refused item its RefusalError and repairs only real schema failures', async () => {
    server.handle(async (exchange) => {
      const body = exchange.request.body as { messages: Array<{ content: string }> };
      const last = body.messages.at(-1)!.content;
      const reply = last === 'refuse' ? openaiRefusalCompletion : completionBody(last.startsWith('Your previous answer') ? '{"city":"Lima"}' : '{"town":"?"}');
      await respond.json(200, reply)(exchange);
    });
    const results = await parallelChatStructured(openaiModel(), ['refuse', 'Capital of Peru?'], City, { repair: true });
    expect(results[0]).toBeInstanceOf(RefusalError);
    expect((results[0] as RefusalError).refusal).toBe(OPENAI_REFUSAL);
    expect(results[1]).toEqual({ city: 'Lima' });
    expect(server.requestCount).toBe(3); // two first answers, one repair
  });
});
