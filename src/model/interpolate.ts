import { InvalidOptionsError } from '../errors/llm-error.js';

/**
 * A value a placeholder can take.
 *
 * @example
 * ```ts
 * import { interpolate, type TemplateValue } from 'rxllm';
 * const lengths: TemplateValue[] = [10, 50, 100];
 * console.log(interpolate('Describe tea in {{ n }} words.', { n: lengths }));
 * // ['Describe tea in 10 words.', 'Describe tea in 50 words.', 'Describe tea in 100 words.']
 * ```
 */
export type TemplateValue = string | number | boolean | bigint;

/**
 * Variables of `interpolate`: one value (used for every prompt) or one value per prompt.
 *
 * @example
 * ```ts
 * import { interpolate, type TemplateVariables } from 'rxllm';
 * const variables: TemplateVariables = { city: ['Lima', 'Quito'], language: 'Spanish' }; // a single value is used for every prompt
 * console.log(interpolate('Describe {{ city }} in {{ language }}.', variables));
 * // ['Describe Lima in Spanish.', 'Describe Quito in Spanish.']
 * ```
 */
export type TemplateVariables = Readonly<Record<string, TemplateValue | readonly TemplateValue[]>>;

/** A placeholder `{{ name }}`: a name of letters, digits, `_`, `$`, `-` and `.`, not starting with a digit. */
const PLACEHOLDER = /^\{\{\s*([A-Za-z_$][\w$.-]*)\s*\}\}/;

type Piece = { literal: string } | { name: string };

/**
 * Fills a template's `{{ name }}` placeholders from arrays of values, giving one prompt per position:
 * `interpolate('Capital of {{ country }}?', { country: ['Peru', 'Chile'] })` gives two prompts.
 *
 * Rules: spaces inside the braces are optional (`{{name}}`, `{{ name }}`). A scalar or a length-1 array is used
 * for every prompt (recycled); all longer arrays must have the same length, which is the number of prompts (an
 * empty array gives no prompts). Every placeholder needs a variable, and every variable must be used by the
 * template (an unused one is almost always a typo). Write `\{{` for a literal `{{` (the backslash is dropped);
 * any other `{{` that does not form a placeholder is an error, as are values that are not strings, numbers,
 * booleans or bigints. All problems throw `InvalidOptionsError` naming the variable, before anything is sent.
 *
 * @param template - The text with `{{ name }}` placeholders.
 * @param variables - One value or an array of values per placeholder name.
 * @returns One string per position, in order.
 *
 * @example
 * ```ts
 * import { interpolate } from 'rxllm';
 * console.log(interpolate('What is the capital of {{ country }}? Answer in {{lang}}.', {
 *   country: ['Canada', 'Peru'],
 *   lang: 'French',
 * }));
 * // ['What is the capital of Canada? Answer in French.', 'What is the capital of Peru? Answer in French.']
 * ```
 */
export function interpolate(template: string, variables: TemplateVariables): string[] {
  if (typeof template !== 'string') throw new InvalidOptionsError('interpolate() template: expected a string');
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    throw new InvalidOptionsError('interpolate() variables: expected an object of values or arrays of values');
  }
  const pieces = parseTemplate(template);
  const used = new Set(pieces.flatMap((piece) => ('name' in piece ? [piece.name] : [])));
  const columns = new Map<string, readonly TemplateValue[]>();
  for (const [name, value] of Object.entries(variables)) {
    if (!used.has(name)) {
      throw new InvalidOptionsError(`interpolate() variables.${name}: not used by the template (placeholders: ${listNames(used)})`);
    }
    columns.set(name, toColumn(name, value));
  }
  for (const name of used) {
    if (!columns.has(name)) {
      throw new InvalidOptionsError(`interpolate() template: no variable for placeholder {{ ${name} }}`);
    }
  }
  const count = commonLength(columns);
  const out: string[] = [];
  for (let row = 0; row < count; row += 1) {
    out.push(pieces.map((piece) => ('literal' in piece ? piece.literal : cell(columns.get(piece.name)!, row))).join(''));
  }
  return out;
}

function parseTemplate(template: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = '';
  let position = 0;
  while (position < template.length) {
    if (template.startsWith('\\{{', position)) {
      literal += '{{';
      position += 3;
      continue;
    }
    if (template.startsWith('{{', position)) {
      const match = PLACEHOLDER.exec(template.slice(position));
      if (match === null) {
        const snippet = template.slice(position, position + 20);
        throw new InvalidOptionsError(
          `interpolate() template: "${snippet}" at offset ${position} is not a placeholder like {{ name }} (write \\{{ for a literal {{)`,
        );
      }
      if (literal !== '') pieces.push({ literal });
      literal = '';
      pieces.push({ name: match[1]! });
      position += match[0].length;
      continue;
    }
    literal += template[position];
    position += 1;
  }
  if (literal !== '') pieces.push({ literal });
  return pieces;
}

function toColumn(name: string, value: unknown): readonly TemplateValue[] {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  values.forEach((item, index) => {
    if (!isTemplateValue(item)) {
      const where = Array.isArray(value) ? `variables.${name}[${index}]` : `variables.${name}`;
      throw new InvalidOptionsError(`interpolate() ${where}: expected a string, number, boolean or bigint, got ${describe(item)}`);
    }
  });
  return values as TemplateValue[];
}

function commonLength(columns: ReadonlyMap<string, readonly TemplateValue[]>): number {
  let length: number | undefined;
  let lengthOf = '';
  for (const [name, column] of columns) {
    if (column.length === 1) continue;
    if (length === undefined) {
      length = column.length;
      lengthOf = name;
    } else if (column.length !== length) {
      throw new InvalidOptionsError(
        `interpolate() variables.${name}: has ${column.length} values but variables.${lengthOf} has ${length}; ` +
          'arrays must have the same length (or length 1, which is recycled)',
      );
    }
  }
  return length ?? 1;
}

function cell(column: readonly TemplateValue[], row: number): string {
  return String(column.length === 1 ? column[0] : column[row]);
}

function isTemplateValue(value: unknown): value is TemplateValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function listNames(names: ReadonlySet<string>): string {
  return names.size === 0 ? 'none' : [...names].map((name) => `{{ ${name} }}`).join(', ');
}
