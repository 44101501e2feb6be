import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonFromSchema } from '../../src/mock-server/json-from-schema.js';

type JsonSchema = Parameters<typeof z.fromJSONSchema>[0];

const fits = (schema: JsonSchema, value: unknown) => z.fromJSONSchema(schema).safeParse(value);

describe('jsonFromSchema', () => {
  it('fills every field of a zod-made schema with values that pass the zod schema', () => {
    const person = z.object({
      name: z.string().min(3).max(20),
      age: z.number().int().min(18).max(99),
      score: z.number().gt(0).lt(1),
      member: z.boolean(),
      tier: z.enum(['free', 'pro', 'team']),
      kind: z.literal('person'),
      email: z.email(),
      id: z.uuid(),
      joined: z.iso.datetime(),
      nickname: z.string().nullable(),
      tags: z.array(z.string()).min(3).max(4),
      address: z.object({ city: z.string(), zip: z.string().length(5) }),
    });
    for (const hash of [1, 2, 3, 0xdeadbeef]) {
      const value = jsonFromSchema(z.toJSONSchema(person), hash);
      const result = person.safeParse(value);
      expect(result.error?.issues ?? []).toEqual([]);
    }
  });

  it('follows local $refs, including recursive ones, to a bounded depth', () => {
    const node: z.ZodType<{ label: string; children: unknown[] }> = z.object({
      label: z.string(),
      get children() {
        return z.array(node);
      },
    });
    const schema = z.toJSONSchema(node);
    const value = jsonFromSchema(schema, 9);
    expect(node.safeParse(value).success).toBe(true);
    expect(JSON.stringify(value).length).toBeLessThan(100_000);
  });

  it('handles raw JSON Schema: type lists, anyOf, allOf, prefixItems, exclusive bounds and definitions', () => {
    const schema = {
      type: 'object',
      properties: {
        maybe: { type: ['null', 'integer'], minimum: 5, maximum: 5 },
        either: { anyOf: [{ type: 'null' }, { type: 'string', maxLength: 3 }] },
        merged: { allOf: [{ type: 'object', properties: { a: { type: 'number' } } }, { type: 'object', properties: { b: { const: 'B' } } }] },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'boolean' }], items: false },
        ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 2 },
        ref: { $ref: '#/definitions/colour' },
      },
      required: ['maybe', 'either', 'merged', 'pair', 'ratio', 'ref'],
      definitions: { colour: { enum: ['red', 'green'] } },
    };
    const value = jsonFromSchema(schema, 4) as Record<string, unknown>;
    expect(value.maybe).toBe(5);
    expect(typeof value.either).toBe('string');
    expect((value.either as string).length).toBeLessThanOrEqual(3);
    expect(value.merged).toEqual({ a: expect.any(Number), b: 'B' });
    expect(value.pair).toEqual([expect.any(String), expect.any(Boolean)]);
    expect(value.ratio).toBeGreaterThan(0);
    expect(value.ratio).toBeLessThan(2);
    expect(['red', 'green']).toContain(value.ref);
    const { definitions, ...rest } = schema;
    expect(fits({ ...rest, $defs: definitions, properties: { ...rest.properties, ref: { $ref: '#/$defs/colour' } } } as unknown as JsonSchema, value).success).toBe(true);
  });

  it('is deterministic for a hash and varies with it', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' }, c: { type: 'array', items: { type: 'number' } } } };
    expect(jsonFromSchema(schema, 77)).toEqual(jsonFromSchema(schema, 77));
    const values = new Set([1, 2, 3, 4, 5].map((hash) => JSON.stringify(jsonFromSchema(schema, hash))));
    expect(values.size).toBeGreaterThan(1);
  });
});

describe('jsonFromSchema numbers', () => {
  it('stays inside narrow and exclusive ranges', () => {
    for (let hash = 1; hash < 50; hash++) {
      const tiny = jsonFromSchema({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.001 }, hash) as number;
      expect(tiny > 0 && tiny < 0.001).toBe(true);
      const whole = jsonFromSchema({ type: 'integer', exclusiveMinimum: 3, exclusiveMaximum: 5 }, hash);
      expect(whole).toBe(4);
      const fixed = jsonFromSchema({ type: 'number', minimum: 2, maximum: 2 }, hash);
      expect(fixed).toBe(2);
    }
  });
});
