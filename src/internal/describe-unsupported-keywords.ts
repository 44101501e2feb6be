/** A JSON Schema node, loosely typed. */
type JsonSchema = Record<string, unknown>;

/** Tells whether the receiving server enforces one constraint keyword with this value. */
export type KeywordSupport = (keyword: ConstraintKeyword, value: unknown) => boolean;

/** The value constraints a schema may carry besides its shape. */
export type ConstraintKeyword = (typeof CONSTRAINT_KEYWORDS)[number];

/** Every value-constraint keyword of JSON Schema that a structured-output server may or may not enforce. */
export const CONSTRAINT_KEYWORDS = [
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
] as const;

/**
 * Rewrites a JSON Schema for a server that enforces only some value constraints: each constraint keyword that
 * `isSupported` refuses is removed from its node and said in words at the end of the node's `description`
 * ("At least 2 characters."), so the model still sees it; the caller's own validation keeps enforcing it.
 * Walks `properties`, `items`, `anyOf`, `oneOf`, `allOf`, `$defs` and `definitions`; never changes the input.
 *
 * @param schema - The schema to rewrite.
 * @param isSupported - Whether the server enforces a keyword with a given value.
 * @returns A new schema.
 *
 * @example
 * ```ts
 * describeUnsupportedKeywords({ type: 'string', minLength: 2 }, () => false);
 * // { type: 'string', description: 'At least 2 characters.' }
 * ```
 */
export function describeUnsupportedKeywords(schema: JsonSchema, isSupported: KeywordSupport): JsonSchema {
  return rewrite(schema, isSupported, 0) as JsonSchema;
}

function rewrite(node: unknown, isSupported: KeywordSupport, depth: number): unknown {
  if (depth > 64 || typeof node !== 'object' || node === null || Array.isArray(node)) return node;
  const out: JsonSchema = {};
  const notes: string[] = [];
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (isConstraint(key) && !isSupported(key, value)) {
      const sentence = sentenceFor(key, value);
      if (sentence !== '') notes.push(sentence);
      continue;
    }
    out[key] = nested(key, value, isSupported, depth);
  }
  if (notes.length > 0) {
    const existing = typeof out.description === 'string' && out.description.trim() !== '' ? out.description.trim() : undefined;
    const lead = existing === undefined ? [] : [/[.!?]$/.test(existing) ? existing : `${existing}.`];
    out.description = [...lead, ...notes].join(' ');
  }
  return out;
}

function nested(key: string, value: unknown, isSupported: KeywordSupport, depth: number): unknown {
  if (key === 'items') return rewrite(value, isSupported, depth + 1);
  if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
    return Array.isArray(value) ? value.map((branch) => rewrite(branch, isSupported, depth + 1)) : value;
  }
  if (key === 'properties' || key === '$defs' || key === 'definitions') {
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(Object.entries(value).map(([name, child]) => [name, rewrite(child, isSupported, depth + 1)]));
  }
  return value;
}

function isConstraint(key: string): key is ConstraintKeyword {
  return (CONSTRAINT_KEYWORDS as readonly string[]).includes(key);
}

function sentenceFor(keyword: ConstraintKeyword, value: unknown): string {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  switch (keyword) {
    case 'minimum':
      return `At least ${shown}.`;
    case 'maximum':
      return `At most ${shown}.`;
    case 'exclusiveMinimum':
      return `Greater than ${shown}.`;
    case 'exclusiveMaximum':
      return `Less than ${shown}.`;
    case 'multipleOf':
      return `A multiple of ${shown}.`;
    case 'minLength':
      return `At least ${shown} characters.`;
    case 'maxLength':
      return `At most ${shown} characters.`;
    case 'pattern':
      return `Matches the regular expression ${shown}.`;
    case 'format':
      return `Format: ${shown}.`;
    case 'minItems':
      return `At least ${shown} items.`;
    case 'maxItems':
      return `At most ${shown} items.`;
    case 'uniqueItems':
      return value === true ? 'Items are unique.' : '';
    case 'minProperties':
      return `At least ${shown} properties.`;
    case 'maxProperties':
      return `At most ${shown} properties.`;
  }
}
