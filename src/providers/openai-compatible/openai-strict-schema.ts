import { type ConstraintKeyword, describeUnsupportedKeywords } from '../../internal/describe-unsupported-keywords.js';

/**
 * Value constraints OpenAI's strict mode enforces, from the Structured Outputs guide, "Supported schemas →
 * Supported properties" (https://platform.openai.com/docs/guides/structured-outputs#supported-properties):
 * strings `pattern` and `format` (the formats listed below); numbers `multipleOf`, `maximum`, `exclusiveMaximum`,
 * `minimum`, `exclusiveMinimum`; arrays `minItems`, `maxItems`. Not listed, so described instead: `minLength`,
 * `maxLength`, other formats (e.g. `uri`), `uniqueItems`, `minProperties`, `maxProperties`.
 */
const SUPPORTED: ReadonlySet<ConstraintKeyword> = new Set([
  'pattern',
  'format',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'minItems',
  'maxItems',
] as const);

/** String formats strict mode knows (same source). */
const FORMATS: ReadonlySet<unknown> = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);

/**
 * Fits a strict-shaped JSON Schema to what OpenAI's strict mode enforces: supported constraints stay keywords, the
 * others move into the field's `description` (the answer is still validated against all of them by the caller).
 *
 * @param schema - A schema already in strict shape (every property required, no additional properties).
 * @returns The schema to send as `response_format.json_schema.schema` with `strict: true`.
 *
 * @example
 * ```ts
 * openAIStrictSchema({ type: 'string', minLength: 2, format: 'email' });
 * // { type: 'string', format: 'email', description: 'At least 2 characters.' }
 * ```
 */
export function openAIStrictSchema(schema: Record<string, unknown>): Record<string, unknown> {
  return describeUnsupportedKeywords(schema, (keyword, value) => SUPPORTED.has(keyword) && (keyword !== 'format' || FORMATS.has(value)));
}
