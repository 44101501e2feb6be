import { z } from 'zod';
import { InvalidOptionsError } from '../errors/llm-error.js';
import { CONSTRAINT_KEYWORDS } from '../internal/describe-unsupported-keywords.js';

/** A JSON Schema node, loosely typed. */
export type JsonSchema = Record<string, unknown>;

/** The JSON Schemas of a zod schema, as sent to providers. */
export interface ZodJsonSchemas {
  /** Plain JSON Schema of what the model must write (zod's input side), always with an object at the root. */
  schema: JsonSchema;
  /**
   * The same schema rewritten into the strict shape (`additionalProperties: false` everywhere, every property
   * required, optional ones made nullable) with its value constraints kept (`minimum`, `maxLength`, `pattern`,
   * `format`, `minItems`, …: each adapter sends those its server enforces and describes the others), or `undefined`
   * when the schema uses something strict mode cannot express (records, tuples, intersections, `not`, …).
   */
  strictSchema: JsonSchema | undefined;
  /** True when a non-object schema was wrapped as `{ value: … }` (providers need an object at the root). */
  wrapped: boolean;
}

/** Property name used when a non-object schema is wrapped. */
export const WRAPPED_KEY = 'value';

const ROOT_DEF = '__root';

/**
 * Keywords kept in the strict shape: structure, descriptions and value constraints. Dropped: `default`,
 * `examples` and other annotations (zod still applies defaults to the `null`s strict mode writes).
 */
const STRICT_KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'anyOf',
  '$ref',
  '$defs',
  'definitions',
  'description',
  'title',
  ...CONSTRAINT_KEYWORDS,
]);

/** Keywords strict mode cannot express. */
const UNSUPPORTED = ['allOf', 'not', 'if', 'then', 'else', 'prefixItems', 'patternProperties', 'propertyNames', 'dependentSchemas'];

/**
 * Converts a zod schema into the JSON Schemas sent to providers, with zod 4's `z.toJSONSchema` (input side, so
 * defaults and transforms describe what the model writes). Throws `InvalidOptionsError` for a schema that has no
 * JSON Schema form (dates, functions, …), naming the problem.
 */
export function jsonSchemaFromZod(schema: z.ZodType): ZodJsonSchemas {
  let generated: JsonSchema;
  try {
    generated = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema;
  } catch (error) {
    throw new InvalidOptionsError(`schema: cannot be turned into JSON Schema (${error instanceof Error ? error.message : String(error)})`);
  }
  const { $schema: _dialect, ...plain } = generated;
  const wrapped = plain.type !== 'object';
  const rooted = wrapped ? wrapRoot(plain) : plain;
  return { schema: rooted, strictSchema: strictify(rooted), wrapped };
}

/**
 * Undoes what the strict rewrite and the root wrapping added to an answer: unwraps `{ value }`, and removes
 * `null`s the model wrote for optional properties that do not accept `null` (strict mode makes them nullable).
 */
export function decodeAnswer(value: unknown, schemas: ZodJsonSchemas, strict: boolean): unknown {
  let answer = value;
  if (strict) answer = dropNullOptionals(answer, schemas.schema, schemas.schema, 0);
  if (schemas.wrapped) {
    answer = typeof answer === 'object' && answer !== null && !Array.isArray(answer) ? (answer as JsonSchema)[WRAPPED_KEY] : undefined;
  }
  return answer;
}

function wrapRoot(inner: JsonSchema): JsonSchema {
  const { $defs, ...body } = inner;
  const selfReferencing = JSON.stringify(body).includes('"$ref":"#"');
  if (!selfReferencing) {
    return { type: 'object', properties: { [WRAPPED_KEY]: body }, required: [WRAPPED_KEY], ...($defs === undefined ? {} : { $defs }) };
  }
  const moved = retargetRootRefs(body) as JsonSchema;
  return {
    type: 'object',
    properties: { [WRAPPED_KEY]: { $ref: `#/$defs/${ROOT_DEF}` } },
    required: [WRAPPED_KEY],
    $defs: { ...($defs as JsonSchema | undefined), [ROOT_DEF]: moved },
  };
}

function retargetRootRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(retargetRootRefs);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === '$ref' && value === '#' ? `#/$defs/${ROOT_DEF}` : retargetRootRefs(value)]),
  );
}

/** Rewrites a schema for OpenAI strict mode, or returns `undefined` when it cannot be expressed there. */
function strictify(node: JsonSchema): JsonSchema | undefined {
  try {
    return strictNode(node);
  } catch (error) {
    if (error === UNSUPPORTED_MARK) return undefined;
    throw error;
  }
}

const UNSUPPORTED_MARK = Symbol('unsupported');

function strictNode(node: JsonSchema): JsonSchema {
  for (const keyword of UNSUPPORTED) if (keyword in node) throw UNSUPPORTED_MARK;
  if (typeof node.additionalProperties === 'object' && node.additionalProperties !== null) throw UNSUPPORTED_MARK;
  if (node.items === false) throw UNSUPPORTED_MARK;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'oneOf') out.anyOf = (value as JsonSchema[]).map(strictNode);
    else if (STRICT_KEYWORDS.has(key) && !isSafeIntegerBound(key, value)) out[key] = value;
  }
  if (Array.isArray(out.anyOf) && !('oneOf' in node)) out.anyOf = (out.anyOf as JsonSchema[]).map(strictNode);
  if (typeof out.items === 'object' && out.items !== null) out.items = strictNode(out.items as JsonSchema);
  for (const defsKey of ['$defs', 'definitions'] as const) {
    const defs = out[defsKey] as Record<string, JsonSchema> | undefined;
    if (defs !== undefined) out[defsKey] = Object.fromEntries(Object.entries(defs).map(([name, def]) => [name, strictNode(def)]));
  }
  const isObject = out.type === 'object' || (Array.isArray(out.type) && out.type.includes('object')) || out.properties !== undefined;
  if (isObject) {
    const properties = (out.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((node.required as string[] | undefined) ?? []);
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, property]) => {
        const strictProperty = strictNode(property);
        return [name, required.has(name) ? strictProperty : nullable(strictProperty)];
      }),
    );
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  }
  return out;
}

/** zod writes `z.number().int()` with the safe-integer range as bounds: no constraint worth sending or describing. */
function isSafeIntegerBound(key: string, value: unknown): boolean {
  return (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) || (key === 'maximum' && value === Number.MAX_SAFE_INTEGER);
}

function nullable(node: JsonSchema): JsonSchema {
  if (allowsNullNode(node)) return node;
  if (typeof node.type === 'string' && !('const' in node)) {
    return { ...node, type: [node.type, 'null'], ...(Array.isArray(node.enum) ? { enum: [...node.enum, null] } : {}) };
  }
  if (Array.isArray(node.type) && !('const' in node)) {
    return { ...node, type: [...node.type, 'null'], ...(Array.isArray(node.enum) ? { enum: [...node.enum, null] } : {}) };
  }
  return { anyOf: [node, { type: 'null' }] };
}

function allowsNullNode(node: JsonSchema): boolean {
  if (node.type === 'null') return true;
  if (Array.isArray(node.type) && node.type.includes('null')) return true;
  if (Array.isArray(node.anyOf)) return (node.anyOf as JsonSchema[]).some(allowsNullNode);
  return false;
}

function resolve(node: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  if (ref === '#') return root;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const defs = match === null ? undefined : (root[match[1]!] as Record<string, JsonSchema> | undefined);
  return defs?.[match![2]!] ?? {};
}

function allowsNull(node: JsonSchema, root: JsonSchema, depth: number): boolean {
  if (depth > 32) return true;
  const target = resolve(node, root);
  if (Object.keys(target).length === 0) return true; // `{}` accepts anything
  if (allowsNullNode(target)) return true;
  const branches = (target.anyOf ?? target.oneOf) as JsonSchema[] | undefined;
  return branches?.some((branch) => allowsNull(branch, root, depth + 1)) ?? false;
}

function dropNullOptionals(value: unknown, node: JsonSchema, root: JsonSchema, depth: number): unknown {
  if (depth > 64 || typeof value !== 'object' || value === null) return value;
  const target = resolve(node, root);
  if (Array.isArray(value)) {
    const items = target.items;
    return typeof items === 'object' && items !== null ? value.map((item) => dropNullOptionals(item, items as JsonSchema, root, depth + 1)) : value;
  }
  const record = value as Record<string, unknown>;
  const branches = (target.anyOf ?? target.oneOf) as JsonSchema[] | undefined;
  if (branches !== undefined) {
    const branch = branches.map((candidate) => resolve(candidate, root)).find((candidate) => matchesConsts(record, candidate));
    return branch === undefined ? value : dropNullOptionals(value, branch, root, depth + 1);
  }
  const properties = target.properties as Record<string, JsonSchema> | undefined;
  if (properties === undefined) return value;
  const required = new Set((target.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    const property = properties[key];
    if (property === undefined) {
      out[key] = item;
      continue;
    }
    if (item === null && !required.has(key) && !allowsNull(property, root, 0)) continue;
    out[key] = dropNullOptionals(item, property, root, depth + 1);
  }
  return out;
}

/** True when `value` is an object whose fields agree with every `const` property of `branch` (a union's tag). */
function matchesConsts(value: Record<string, unknown>, branch: JsonSchema): boolean {
  const properties = branch.properties as Record<string, JsonSchema> | undefined;
  if (properties === undefined) return false;
  return Object.entries(properties).every(([key, property]) => !('const' in property) || value[key] === property.const);
}
