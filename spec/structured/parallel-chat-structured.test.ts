import { firstValueFrom, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  anthropic,
  AuthenticationError,
  chatStructured,
  openai,
  parallelChatStructured,
  StructuredOutputError,
} from '../../src/index.js';
import { partialResultsOf } from '../../src/promise/partial-results.js';
import { type Handler, respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { completionBody } from '../support/openai-transcripts.js';
import { messageBody, toolMessageBody } from '../providers/anthropic/anthropic-transcripts.js';

const City = z.object({ city: z.string(), population: z.number().int().optional() });

const { server, keep } = useLocalModels();

type Wire = { messages: Array<{ role: string; content: unknown }> };
const lastUserText = (body: unknown) => {
  const messages = (body as Wire).messages.filter((message) => message.role === 'user');
  const content = messages.at(-1)!.content;
  return typeof content === 'string' ? content : (content as Array<{ text: string }>).map((block) => block.text).join('');
};

/** What the fake model answers (as JSON text) to a user message. */
function answerFor(text: string, repaired: string): string {
  if (text.startsWith('Your previous answer')) return repaired;
  if (text.includes('bad-json')) return 'Lima, I believe.';
  if (text.includes('mismatch')) return '{"city":5}';
  return '{"city":"Lima","population":null}';
}

function openAIServer(repaired = '{"city":"Fixed"}'): Handler {
  return ({ request, res }) => respond.json(200, completionBody(answerFor(lastUserText(request.body), repaired)))({ request, res } as never);
}

function anthropicServer(repaired = '{"city":"Fixed"}'): Handler {
  return (exchange) => {
    const answer = answerFor(lastUserText(exchange.request.body), repaired);
    const input = answer.startsWith('{') ? JSON.parse(answer) : answer; // a tool input is always JSON; text goes in as a string
    return respond.json(200, toolMessageBody('city', input))(exchange);
  };
}

/** Answers in text: native structured output, or a model or gateway ignoring the forced tool. */
function anthropicTextServer(repaired = '{"city":"Fixed"}'): Handler {
  return (exchange) => respond.json(200, messageBody(answerFor(lastUserText(exchange.request.body), repaired)))(exchange);
}

const PROTOCOLS = [
  {
    name: 'OpenAI (response_format json_schema)',
    make: () => openai({ model: 'gpt-4o-mini', baseURL: server.baseURL, apiKey: '', maxRetries: 0 }),
    handler: openAIServer,
  },
  {
    name: 'Anthropic (forced tool)',
    make: () => anthropic({ model: 'claude-3-5-haiku-latest', baseURL: server.url, apiKey: '', maxRetries: 0 }),
    handler: anthropicServer,
  },
  {
    name: 'Anthropic (native output_config.format)',
    make: () => anthropic({ model: 'claude-haiku-4-5', baseURL: server.url, apiKey: '', maxRetries: 0 }),
    handler: anthropicTextServer,
  },
  {
    name: 'Anthropic (JSON text instead of the forced tool call)',
    make: () => anthropic({ model: 'claude-3-5-haiku-latest', baseURL: server.url, apiKey: '', maxRetries: 0 }),
    handler: anthropicTextServer,
  },
] as const;

for (const protocol of PROTOCOLS) {
  describe(`parallelChatStructured() over ${protocol.name}`, () => {
    const model = () => keep(protocol.make());

    it('returns validated, typed values in input order', async () => {
      server.handle(protocol.handler());
      const results = await parallelChatStructured(model(), ['Capital of Peru?', 'Capital of Peru, again?'], City, { name: 'city', rpm: Infinity });
      expect(results).toEqual([{ city: 'Lima' }, { city: 'Lima' }]);
      const first: { city: string } | Error | null = results[0]!;
      expect(first).toBeDefined();
      const body = server.requests[0]!.body as Record<string, unknown>;
      if (protocol.name.startsWith('OpenAI')) {
        expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'city', strict: true, schema: { additionalProperties: false, required: ['city', 'population'] } } });
      } else if (protocol.name.includes('native')) {
        expect(body).not.toHaveProperty('tools');
        expect(body.output_config).toMatchObject({ format: { type: 'json_schema', schema: { additionalProperties: false, required: ['city', 'population'] } } });
      } else {
        expect(body.tool_choice).toEqual({ type: 'tool', name: 'city' });
        // the same (strict-shaped) schema: optional fields nullable, their nulls removed before validation
        expect(body.tools).toEqual([expect.objectContaining({ name: 'city', input_schema: expect.objectContaining({ required: ['city', 'population'] }) })]);
      }
    });

    it('fails answers that do not fit the schema with StructuredOutputError holding the raw text and the issues', async () => {
      server.handle(protocol.handler());
      const results = await parallelChatStructured(model(), ['Peru', 'bad-json', 'mismatch'], City, { name: 'city', onError: 'continue', rpm: Infinity });
      expect(results[0]).toEqual({ city: 'Lima' });
      for (const failure of results.slice(1)) expect(failure).toBeInstanceOf(StructuredOutputError);
      const invalid = results[1] as StructuredOutputError;
      expect(invalid.rawText).toContain('Lima, I believe.');
      expect(invalid.issues.length).toBeGreaterThan(0);
      const mismatch = results[2] as StructuredOutputError;
      expect(JSON.parse(mismatch.rawText)).toEqual({ city: 5 });
      expect(mismatch.issues).toEqual([expect.objectContaining({ path: ['city'] })]);
      expect(server.requestCount).toBe(3); // no repair unless asked
    });

    it('with repair: true, sends the issues back once and keeps the repaired answers', async () => {
      server.handle(protocol.handler());
      const results = await parallelChatStructured(model(), ['Peru', 'bad-json', 'mismatch'], City, { name: 'city', repair: true, maxActive: 2, rpm: Infinity });
      expect(results).toEqual([{ city: 'Lima' }, { city: 'Fixed' }, { city: 'Fixed' }]);
      expect(server.requestCount).toBe(5);
      const repairs = server.requests.slice(3).map((request) => request.body as Wire);
      for (const repair of repairs) {
        expect(repair.messages.at(-2)!.role).toBe('assistant');
        expect(lastUserText(repair)).toMatch(/^Your previous answer does not match the required JSON schema:\n- /);
      }
      const mismatchRepair = repairs.find((repair) => JSON.stringify(repair.messages).includes('mismatch'))!;
      expect(mismatchRepair.messages.at(-2)!.content).toBe('{"city":5}');
      expect(lastUserText(mismatchRepair)).toContain('- city: Invalid input: expected string, received number');
    });

    it('keeps the second failure when the repair fails too, and repairs only once', async () => {
      server.handle(protocol.handler('{"city":["still wrong"]}'));
      const results = await parallelChatStructured(model(), ['mismatch'], City, { name: 'city', repair: true, rpm: Infinity });
      expect(results[0]).toBeInstanceOf(StructuredOutputError);
      expect(JSON.parse((results[0] as StructuredOutputError).rawText)).toEqual({ city: ['still wrong'] });
      expect(server.requestCount).toBe(2);
    });
  });
}

describe('parallelChatStructured() with other sources and failures', () => {
  const model = () => keep(openai({ model: 'gpt-4o-mini', baseURL: server.baseURL, apiKey: '', maxRetries: 0 }));

  it('reads a generator lazily and repairs its prompts too', async () => {
    server.handle(openAIServer());
    function* prompts() {
      yield 'Peru';
      yield [{ role: 'user' as const, content: 'mismatch' }];
    }
    expect(await parallelChatStructured(model(), prompts(), City, { repair: true, rpm: Infinity })).toEqual([{ city: 'Lima' }, { city: 'Fixed' }]);
  });

  it('keeps HTTP errors as they are and gives values in partialResultsOf on a fatal error', async () => {
    server.enqueue(openAIServer(), respond.json(401, { error: { message: 'bad key', type: 'invalid_request_error' } }));
    const error = await parallelChatStructured(model(), ['Peru', 'Peru', 'Peru'], City, { maxActive: 1, rpm: Infinity }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(partialResultsOf(error)).toEqual([{ city: 'Lima' }, expect.any(AuthenticationError), null]);
  });

  it('rejects a schema without a JSON Schema form before sending anything', async () => {
    await expect(parallelChatStructured(model(), ['x'], z.object({ when: z.date() }))).rejects.toThrow(/schema: cannot be turned into JSON Schema/);
    expect(server.requestCount).toBe(0);
  });
});

describe('chatStructured()', () => {
  it('emits one validated value, repairing once when asked', async () => {
    server.handle(anthropicServer());
    const model = keep(anthropic({ model: 'claude-haiku-4-5', baseURL: server.url, apiKey: '', maxRetries: 0 }));
    expect(await firstValueFrom(chatStructured(model, 'Peru', City, { name: 'city' }))).toEqual({ city: 'Lima' });
    await expect(lastValueFrom(chatStructured(model, 'mismatch', City, { name: 'city' }))).rejects.toBeInstanceOf(StructuredOutputError);
    expect(await firstValueFrom(chatStructured(model, 'mismatch', City, { name: 'city', repair: true }))).toEqual({ city: 'Fixed' });
    expect(server.requestCount).toBe(4);
  });
});
