/** Deepest nesting generated; below it arrays are as short as allowed and optional recursion stops. */
const MAX_DEPTH = 6;

const WORDS = ['alpha', 'bravo', 'cedar', 'delta', 'ember', 'fjord', 'gamma', 'harbor', 'iris', 'jade', 'kepler', 'lumen'];

type Schema = Record<string, unknown>;

interface Generation {
  root: unknown;
  state: number;
}

/**
 * A JSON value that fits a simple JSON Schema, chosen deterministically from `hash`: `type` (string, number,
 * integer, boolean, null, array, object, or a list of types), `enum`, `const`, `properties` (all of them are
 * filled), `items` / `prefixItems`, `minItems` / `maxItems`, `minimum` / `maximum` (and exclusive ones),
 * `minLength` / `maxLength`, common string `format`s, `anyOf` / `oneOf` (first non-null branch), `allOf`
 * (objects merged), and local `$ref`s (`#/$defs/…`, `#/definitions/…`). `pattern` and `multipleOf` are ignored.
 * Like a model reading the schema, it also keeps to bounds a `description` states in the words rxllm's adapters use
 * for constraints a server does not enforce ("At least 1.", "At most 9 characters.", "At most 4 items.").
 */
export function jsonFromSchema(schema: unknown, hash: number): unknown {
  const generation: Generation = { root: schema, state: hash | 1 };
  return generate(schema, generation, 0, 'value');
}

function generate(schema: unknown, generation: Generation, depth: number, name: string): unknown {
  if (schema === true || schema === undefined || schema === null) return `${name} ${pick(generation, WORDS)}`;
  if (typeof schema !== 'object' || Array.isArray(schema)) return null;
  const node = withDescribedBounds(schema as Schema);
  if (typeof node.$ref === 'string') {
    if (depth > MAX_DEPTH * 2) return null;
    return generate(resolveRef(generation.root, node.$ref), generation, depth + 1, name);
  }
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return pick(generation, node.enum);
  const branches = (Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined) as unknown[] | undefined;
  if (branches !== undefined && branches.length > 0) {
    const branch = branches.find((candidate) => !isNullSchema(candidate)) ?? branches[0];
    return generate(branch, generation, depth + 1, name);
  }
  if (Array.isArray(node.allOf) && node.allOf.length > 0) {
    const parts = node.allOf.map((part) => generate(part, generation, depth + 1, name));
    if (parts.every((part) => typeof part === 'object' && part !== null && !Array.isArray(part))) {
      return Object.assign({}, ...parts) as unknown;
    }
    return parts[0];
  }
  switch (typeOf(node)) {
    case 'object':
      return generateObject(node, generation, depth);
    case 'array':
      return generateArray(node, generation, depth, name);
    case 'integer':
      return generateNumber(node, generation, true);
    case 'number':
      return generateNumber(node, generation, false);
    case 'boolean':
      return (next(generation) & 1) === 1;
    case 'null':
      return null;
    default:
      return generateString(node, generation, name);
  }
}

function typeOf(node: Schema): string {
  const type = node.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((entry) => entry !== 'null') ?? 'null') as string;
  if (typeof node.properties === 'object') return 'object';
  if (node.items !== undefined || node.prefixItems !== undefined) return 'array';
  return 'string';
}

function generateObject(node: Schema, generation: Generation, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = node.properties;
  if (typeof properties !== 'object' || properties === null) return out;
  const required = new Set(Array.isArray(node.required) ? (node.required as unknown[]) : Object.keys(properties));
  for (const [key, value] of Object.entries(properties as Record<string, unknown>)) {
    if (depth >= MAX_DEPTH && !required.has(key)) continue;
    out[key] = generate(value, generation, depth + 1, key);
  }
  return out;
}

function generateArray(node: Schema, generation: Generation, depth: number, name: string): unknown[] {
  const prefix = Array.isArray(node.prefixItems) ? (node.prefixItems as unknown[]) : [];
  const min = typeof node.minItems === 'number' ? node.minItems : 0;
  const max = typeof node.maxItems === 'number' ? node.maxItems : Number.POSITIVE_INFINITY;
  const wanted = depth >= MAX_DEPTH ? min : Math.max(min, prefix.length, 2);
  const length = Math.min(max, wanted);
  const out: unknown[] = [];
  for (let index = 0; index < length; index++) {
    const itemSchema = index < prefix.length ? prefix[index] : node.items === false ? undefined : node.items;
    if (index >= prefix.length && node.items === false) break;
    out.push(generate(itemSchema, generation, depth + 1, name));
  }
  return out;
}

function generateNumber(node: Schema, generation: Generation, integer: boolean): number {
  const exclusiveLow = typeof node.exclusiveMinimum === 'number';
  const exclusiveHigh = typeof node.exclusiveMaximum === 'number';
  let low = Math.max(
    typeof node.minimum === 'number' ? node.minimum : Number.NEGATIVE_INFINITY,
    exclusiveLow ? (node.exclusiveMinimum as number) : Number.NEGATIVE_INFINITY,
  );
  let high = Math.min(
    typeof node.maximum === 'number' ? node.maximum : Number.POSITIVE_INFINITY,
    exclusiveHigh ? (node.exclusiveMaximum as number) : Number.POSITIVE_INFINITY,
  );
  if (low === Number.NEGATIVE_INFINITY) low = high === Number.POSITIVE_INFINITY ? 0 : high - 100;
  if (high === Number.POSITIVE_INFINITY) high = low + 100;
  if (integer) {
    low = exclusiveLow && Number.isInteger(low) ? low + 1 : Math.ceil(low);
    high = exclusiveHigh && Number.isInteger(high) ? high - 1 : Math.floor(high);
    if (high < low) return low;
    return low + (next(generation) % (high - low + 1));
  }
  // Stay strictly inside the range (10 %..90 %), so exclusive bounds hold; round when that keeps it inside.
  const value = low + (high - low) * (0.1 + (next(generation) % 801) / 1000);
  const rounded = Math.round(value * 100) / 100;
  return rounded > low && rounded < high ? rounded : low === high ? low : value;
}

function generateString(node: Schema, generation: Generation, name: string): string {
  let text: string;
  switch (node.format) {
    case 'date-time':
      text = '2024-05-17T12:00:00.000Z';
      break;
    case 'date':
      text = '2024-05-17';
      break;
    case 'time':
      text = '12:00:00';
      break;
    case 'email':
      text = `${pick(generation, WORDS)}@example.com`;
      break;
    case 'uri':
    case 'url':
      text = `https://example.com/${pick(generation, WORDS)}`;
      break;
    case 'uuid':
      text = uuid(generation);
      break;
    default:
      text = `${name} ${pick(generation, WORDS)}`;
  }
  const minLength = typeof node.minLength === 'number' ? node.minLength : 0;
  const maxLength = typeof node.maxLength === 'number' ? node.maxLength : Number.POSITIVE_INFINITY;
  if (text.length < minLength) text = text.padEnd(minLength, 'x');
  if (text.length > maxLength) text = text.slice(0, maxLength);
  return text;
}

function uuid(generation: Generation): string {
  const hex = [next(generation), next(generation), next(generation), next(generation)]
    .map((part) => part.toString(16).padStart(8, '0'))
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/')) {
    if (raw === '') continue;
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function isNullSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as Schema).type === 'null';
}

function next(generation: Generation): number {
  let state = generation.state;
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  generation.state = state;
  return state >>> 0;
}

function pick<T>(generation: Generation, values: readonly T[]): T {
  return values[next(generation) % values.length] as T;
}

const DESCRIBED_BOUNDS: ReadonlyArray<[keyword: string, pattern: RegExp]> = [
  ['minLength', /\bAt least (\d+) characters\./],
  ['maxLength', /\bAt most (\d+) characters\./],
  ['minItems', /\bAt least (\d+) items\./],
  ['maxItems', /\bAt most (\d+) items\./],
  ['minimum', /\bAt least (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\./i],
  ['maximum', /\bAt most (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\./i],
  ['exclusiveMinimum', /\bGreater than (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\./i],
  ['exclusiveMaximum', /\bLess than (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\./i],
];

/** The node with the bounds its description states added as keywords (keywords already there win). */
function withDescribedBounds(node: Schema): Schema {
  if (typeof node.description !== 'string') return node;
  let out: Schema | undefined;
  for (const [keyword, pattern] of DESCRIBED_BOUNDS) {
    if (keyword in node) continue;
    const match = pattern.exec(node.description);
    if (match === null) continue;
    out ??= { ...node };
    out[keyword] = Number(match[1]);
  }
  return out ?? node;
}
