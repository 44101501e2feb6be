import { describeUnsupportedKeywords } from '../../internal/describe-unsupported-keywords.js';

/**
 * String formats native structured output takes. Anthropic's structured-outputs guide, "JSON Schema limitations →
 * Supported features": `date-time`, `time`, `date`, `duration`, `email`, `hostname`, `uri`, `ipv4`, `ipv6`, `uuid`;
 * array `minItems` of 0 or 1 only; "Not supported: numerical constraints (`minimum`, `maximum`, `multipleOf`, etc.),
 * string constraints (`minLength`, `maxLength`), array constraints beyond `minItems` of 0 or 1". Regex `pattern`s are
 * supported without backreferences, lookaround or word boundaries.
 */
const FORMATS: ReadonlySet<unknown> = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid']);

const UNSUPPORTED_REGEX = /\\[1-9bB]|\(\?<?[=!]/;

/**
 * Fits a strict-shaped JSON Schema to Anthropic's native structured output (`output_config.format`): the constraints
 * it enforces stay keywords, the others move into the field's `description` (the answer is still validated against
 * all of them by the caller).
 *
 * @param schema - A schema in strict shape (`additionalProperties: false` on every object).
 * @returns The schema to send as `output_config.format.schema`.
 *
 * @example
 * ```ts
 * anthropicOutputSchema({ type: 'integer', minimum: 1 }); // { type: 'integer', description: 'At least 1.' }
 * ```
 */
export function anthropicOutputSchema(schema: Record<string, unknown>): Record<string, unknown> {
  return describeUnsupportedKeywords(schema, (keyword, value) => {
    if (keyword === 'format') return FORMATS.has(value);
    if (keyword === 'pattern') return typeof value === 'string' && !UNSUPPORTED_REGEX.test(value);
    if (keyword === 'minItems') return value === 0 || value === 1;
    return false;
  });
}
