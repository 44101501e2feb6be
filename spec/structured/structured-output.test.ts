import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidOptionsError, StructuredOutputError, structuredOutput } from '../../src/index.js';
import { jsonSchemaFromZod } from '../../src/structured/json-schema-from-zod.js';

type Schema = Record<string, unknown>;

describe('jsonSchemaFromZod()', () => {
  it('rewrites objects into the strict shape (all properties required, optional ones nullable, no extra properties), keeping constraints', () => {
    const { schema, strictSchema, wrapped } = jsonSchemaFromZod(
      z.object({
        name: z.string().min(2).max(40),
        age: z.number().int().optional(),
        kind: z.enum(['a', 'b']).optional(),
        tags: z.array(z.object({ label: z.string(), weight: z.number().optional() })),
        note: z.string().nullable().optional(),
      }),
    );
    expect(wrapped).toBe(false);
    expect(schema.$schema).toBeUndefined();
    expect(schema.required).toEqual(['name', 'tags']);
    expect(strictSchema).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 2, maxLength: 40 },
        age: { type: ['integer', 'null'] },
        kind: { type: ['string', 'null'], enum: ['a', 'b', null] },
        tags: {
          type: 'array',
          items: {
            type: 'object',
            properties: { label: { type: 'string' }, weight: { type: ['number', 'null'] } },
            required: ['label', 'weight'],
            additionalProperties: false,
          },
        },
        note: { type: ['string', 'null'] },
      },
      required: ['name', 'age', 'kind', 'tags', 'note'],
      additionalProperties: false,
    });
  });

  it('turns oneOf into anyOf and keeps descriptions', () => {
    const { strictSchema } = jsonSchemaFromZod(
      z.object({
        shape: z.discriminatedUnion('kind', [z.object({ kind: z.literal('circle'), r: z.number() }), z.object({ kind: z.literal('square'), side: z.number() })]),
        label: z.string().describe('What to call it'),
      }),
    );
    const shape = (strictSchema!.properties as Record<string, Schema>).shape!;
    expect(shape.oneOf).toBeUndefined();
    expect((shape.anyOf as Schema[]).map((branch) => branch.additionalProperties)).toEqual([false, false]);
    expect((strictSchema!.properties as Record<string, Schema>).label).toEqual({ type: 'string', description: 'What to call it' });
  });

  it('gives no strict schema for records, tuples and intersections', () => {
    expect(jsonSchemaFromZod(z.object({ scores: z.record(z.string(), z.number()) })).strictSchema).toBeUndefined();
    expect(jsonSchemaFromZod(z.object({ pair: z.tuple([z.string(), z.number()]) })).strictSchema).toBeUndefined();
    expect(jsonSchemaFromZod(z.object({ both: z.intersection(z.string(), z.string().min(2)) })).strictSchema).toBeUndefined();
    // zod merges an intersection of objects into one object, which strict mode can express
    expect(jsonSchemaFromZod(z.object({ both: z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })) })).strictSchema).toBeDefined();
  });

  it('wraps a non-object root as { value }, moving a recursive root into $defs', () => {
    const list = jsonSchemaFromZod(z.array(z.string()));
    expect(list.wrapped).toBe(true);
    expect(list.schema).toEqual({ type: 'object', properties: { value: { type: 'array', items: { type: 'string' } } }, required: ['value'] });

    type Tree = { name: string; children: Tree[] };
    const tree: z.ZodType<Tree> = z.lazy(() => z.object({ name: z.string(), children: z.array(tree) }));
    const forest = jsonSchemaFromZod(z.union([tree, z.string()]));
    expect(forest.wrapped).toBe(true);
    expect(JSON.stringify(forest.schema)).not.toContain('"$ref":"#"');
  });

  it('rejects a schema with no JSON Schema form', () => {
    expect(() => jsonSchemaFromZod(z.object({ when: z.date() }))).toThrow(InvalidOptionsError);
    expect(() => jsonSchemaFromZod(z.object({ when: z.date() }))).toThrow(/schema: cannot be turned into JSON Schema/);
  });
});

describe('structuredOutput()', () => {
  const City = z.object({ city: z.string(), population: z.number().int().optional() });

  it('builds a strict json_schema responseFormat and adds it to any prompt shape', () => {
    const output = structuredOutput(City, { name: 'city', description: 'A city' });
    expect(output.responseFormat).toMatchObject({ type: 'json_schema', name: 'city', strict: true, description: 'A city' });
    expect(output.apply('Capital of Peru?')).toEqual({ messages: [{ role: 'user', content: 'Capital of Peru?' }], params: { responseFormat: output.responseFormat } });
    expect(output.apply({ messages: [{ role: 'user', content: 'x' }], params: { maxTokens: 5 } }).params).toEqual({ maxTokens: 5, responseFormat: output.responseFormat });
    expect(structuredOutput(z.object({ r: z.record(z.string(), z.number()) })).responseFormat).toMatchObject({ strict: false });
    expect(structuredOutput(City, { strict: false }).responseFormat).toMatchObject({ strict: false, schema: { required: ['city'] } });
  });

  it('parses valid answers, tolerating code fences, and removes nulls strict mode wrote for optional fields', () => {
    const output = structuredOutput(City);
    expect(output.parse('{"city":"Lima","population":null}')).toEqual({ ok: true, value: { city: 'Lima' } });
    expect(output.parse('```json\n{"city":"Lima","population":9}\n```')).toEqual({ ok: true, value: { city: 'Lima', population: 9 } });
    const nullable = structuredOutput(z.object({ note: z.string().nullable().optional() }));
    expect(nullable.parse('{"note":null}')).toEqual({ ok: true, value: { note: null } });
    expect(structuredOutput(z.array(z.number())).parse('{"value":[1,2]}')).toEqual({ ok: true, value: [1, 2] });
  });

  it('fails invalid JSON and schema mismatches with StructuredOutputError holding the raw text and the issues', () => {
    const output = structuredOutput(City);
    const notJson = output.parse('Lima, I think.', { provider: 'openai', requestId: 'req_1' });
    expect(notJson.ok).toBe(false);
    const error = (notJson as { error: StructuredOutputError }).error;
    expect(error).toBeInstanceOf(StructuredOutputError);
    expect(error).toMatchObject({ rawText: 'Lima, I think.', provider: 'openai', requestId: 'req_1', retryable: false });
    expect(error.issues[0]).toMatchObject({ code: 'invalid_json' });

    const mismatch = output.parse('{"city":5}');
    expect(mismatch.ok).toBe(false);
    expect((mismatch as { error: StructuredOutputError }).error.issues).toEqual([expect.objectContaining({ path: ['city'], code: 'invalid_type' })]);
  });

  it('names the first issue in the message and keeps the usage that was paid for', () => {
    const output = structuredOutput(z.object({ review: z.object({ stars: z.number().int().min(1).max(5) }), note: z.string() }));
    const failed = output.parse('{"review":{"stars":9}}', { usage: { inputTokens: 20, outputTokens: 8 } });
    expect(failed.ok).toBe(false);
    if (failed.ok) return;
    expect(failed.error.message).toMatch(/^The answer does not match the schema \(2 issues\); first: review\.stars: Too big: expected number to be <=5/);
    expect(failed.error.usage).toEqual({ inputTokens: 20, outputTokens: 8 });
    const notJson = output.parse('I would rather not.');
    expect(notJson.ok || notJson.error.message).toMatch(/\(1 issue\); first: \(root\): Not valid JSON/);
    expect(notJson.ok || notJson.error.usage).toBeUndefined();
  });

  it('builds a repair conversation from the failed answer and its issues', () => {
    const output = structuredOutput(City);
    const failure = output.parse('{"city":5}');
    const repair = output.repairPrompt([{ role: 'system', content: 'Be exact.' }, { role: 'user', content: 'Capital?' }], (failure as { error: StructuredOutputError }).error);
    expect(repair.params?.responseFormat).toEqual(output.responseFormat);
    expect(repair.messages.slice(0, 3)).toEqual([
      { role: 'system', content: 'Be exact.' },
      { role: 'user', content: 'Capital?' },
      { role: 'assistant', content: '{"city":5}' },
    ]);
    expect(repair.messages[3]!.role).toBe('user');
    expect(repair.messages[3]!.content).toMatch(/does not match the required JSON schema:\n- city: Invalid input: expected string, received number\n/);
  });

  it('rejects a bad name or something that is not a zod schema', () => {
    expect(() => structuredOutput(City, { name: 'has space' })).toThrow(/options\.name/);
    expect(() => structuredOutput({} as never)).toThrow(/schema: expected a zod schema/);
  });
});
