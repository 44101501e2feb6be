import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { structuredOutput } from '../../../src/index.js';
import { createOpenAIProvider } from '../../../src/providers/openai-compatible/openai-provider.js';
import { createResponsesProvider } from '../../../src/providers/openai-compatible/responses-provider.js';
import { respond } from '../../support/local-server.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { completionBody } from '../../support/openai-transcripts.js';
import { responsesReasoningBody } from '../../fixtures/responses-fixtures.js';

type Schema = Record<string, unknown>;

const local = useLocalModels();
const { server } = local;

type Api = 'chat' | 'responses';

/** The schema each API carries: Chat Completions in `response_format.json_schema`, Responses in `text.format`. */
async function sentSchema(api: Api, schema: z.ZodType, strict = true): Promise<Schema> {
  const settings = { id: 'local', ...local.providerSettings() };
  const provider = api === 'chat' ? createOpenAIProvider(settings) : createResponsesProvider(settings);
  server.handle(respond.json(200, api === 'chat' ? completionBody('{}') : responsesReasoningBody));
  const request = structuredOutput(schema, { strict }).apply('Rate it.');
  await lastValueFrom(provider.chat({ model: 'm', messages: request.messages, params: request.params ?? {} }));
  const body = server.requests.at(-1)!.body as {
    response_format?: { json_schema: { schema: Schema; strict: boolean } };
    text?: { format: { schema: Schema; strict: boolean } };
  };
  return api === 'chat' ? body.response_format!.json_schema.schema : body.text!.format.schema;
}

const Review = z.object({
  stars: z.number().int().min(1).max(5),
  share: z.number().gt(0).lt(1).multipleOf(0.01),
  handle: z.string().min(2).max(9).regex(/^@\w+$/),
  day: z.iso.date(),
  site: z.url(),
  tags: z.array(z.string()).min(2).max(4),
  note: z.string().max(20).describe('Free text').optional(),
});

describe.each(['chat', 'responses'] as const)('OpenAI strict structured output (%s API) keeps the constraints it supports', (api) => {
  it('sends number, pattern, supported format and array-size keywords as keywords', async () => {
    const properties = (await sentSchema(api, Review)).properties as Record<string, Schema>;
    expect(properties.stars).toMatchObject({ type: 'integer', minimum: 1, maximum: 5 });
    expect(properties.share).toMatchObject({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, multipleOf: 0.01 });
    expect(properties.handle).toMatchObject({ type: 'string', pattern: '^@\\w+$' });
    expect(properties.day).toMatchObject({ type: 'string', format: 'date' });
    expect(properties.tags).toMatchObject({ type: 'array', minItems: 2, maxItems: 4 });
  });

  it("moves what strict mode does not support (string lengths, other formats) into the field's description", async () => {
    const properties = (await sentSchema(api, Review)).properties as Record<string, Schema>;
    expect(properties.handle).not.toHaveProperty('minLength');
    expect(properties.handle).not.toHaveProperty('maxLength');
    expect(properties.handle!.description).toBe('At least 2 characters. At most 9 characters.');
    expect(properties.site).not.toHaveProperty('format');
    expect(properties.site!.description).toBe('Format: uri.');
    expect(properties.note).toMatchObject({ type: ['string', 'null'], description: 'Free text. At most 20 characters.' });
  });

  it('sends a non-strict schema with every keyword untouched', async () => {
    const properties = (await sentSchema(api, Review, false)).properties as Record<string, Schema>;
    expect(properties.handle).toMatchObject({ minLength: 2, maxLength: 9, pattern: '^@\\w+$' });
    expect(properties.handle).not.toHaveProperty('description');
    expect(properties.site).toMatchObject({ format: 'uri' });
  });
});
