import { z } from 'zod';
import { InvalidOptionsError } from '../errors/llm-error.js';
import { validateOptions } from '../internal/validate-options.js';

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

/**
 * Options of `interpolate`.
 *
 * @example
 * ```ts
 * import { interpolate, type InterpolateOptions } from 'rxllm';
 * const options: InterpolateOptions = { combine: 'cross' };
 * console.log(interpolate('{{ tea }} in {{ n }} words', { tea: ['Oolong', 'Sencha'], n: [10, 50] }, options));
 * // ['Oolong in 10 words', 'Oolong in 50 words', 'Sencha in 10 words', 'Sencha in 50 words']
 * ```
 */
export interface InterpolateOptions {
  /**
   * How array variables combine. `'zip'`: position by position (all arrays longer than 1 share one length, which
   * is the number of prompts). `'cross'`: every combination (the product of the lengths), in nested-loop order:
   * the first variable of the `variables` object varies slowest, the last fastest.
   * @defaultValue `'zip'`
   */
  combine?: 'zip' | 'cross';
}

const interpolateOptionsSchema = z.strictObject({ combine: z.enum(['zip', 'cross']).optional() });

/** A placeholder `{{ name }}`: a name of letters, digits, `_`, `$`, `-` and `.`, not starting with a digit. */
const PLACEHOLDER = /^\{\{\s*([A-Za-z_$][\w$.-]*)\s*\}\}/;

type Piece = { literal: string } | { name: string };

/**
 * Fills a template's `{{ name }}` placeholders from arrays of values, giving one prompt per position:
 * `interpolate('Capital of {{ country }}?', { country: ['Peru', 'Chile'] })` gives two prompts; with
 * `{ combine: 'cross' }`, one prompt per combination of the values (an eval grid).
 *
 * Rules: spaces inside the braces are optional (`{{name}}`, `{{ name }}`). A scalar or a length-1 array is used
 * for every prompt (recycled); all longer arrays must have the same length, which is the number of prompts (an
 * empty array gives no prompts). With `combine: 'cross'` arrays may have any lengths: the number of prompts is
 * the product of the lengths, the first variable in `variables` varying slowest (as nested loops in declaration
 * order); an empty array again gives none. Every placeholder needs a variable, and every variable must be used by the
 * template (an unused one is almost always a typo). Write `\{{` for a literal `{{` (the backslash is dropped);
 * any other `{{` that does not form a placeholder is an error, as are values that are not strings, numbers,
 * booleans or bigints. All problems throw `InvalidOptionsError` naming the variable (or the option), before
 * anything is sent.
 *
 * @param template - The text with `{{ name }}` placeholders.
 * @param variables - One value or an array of values per placeholder name.
 * @param options - `combine`: `'zip'` (default) or `'cross'`.
 * @returns One string per position (or per combination), in order.
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
export function interpolate(template: string, variables: TemplateVariables, options: InterpolateOptions = {}): string[] {
  const { combine = 'zip' } = validateOptions(interpolateOptionsSchema, options, 'interpolate() options');
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
  const rows = combine === 'cross' ? crossRows(columns) : zipRows(columns);
  return rows.map((row) => pieces.map((piece) => ('literal' in piece ? piece.literal : String(row.get(piece.name)))).join(''));
}

/** Position-by-position rows: row `i` takes each column's `i`-th value (length-1 columns are recycled). */
function zipRows(columns: ReadonlyMap<string, readonly TemplateValue[]>): Array<ReadonlyMap<string, TemplateValue>> {
  const count = commonLength(columns);
  return Array.from({ length: count }, (_, row) => new Map([...columns].map(([name, column]) => [name, cell(column, row)])));
}

/** Every combination, the first column varying slowest. */
function crossRows(columns: ReadonlyMap<string, readonly TemplateValue[]>): Array<ReadonlyMap<string, TemplateValue>> {
  let rows: Array<Map<string, TemplateValue>> = [new Map()];
  for (const [name, column] of columns) {
    rows = rows.flatMap((row) => column.map((value) => new Map(row).set(name, value)));
  }
  return rows;
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

function cell(column: readonly TemplateValue[], row: number): TemplateValue {
  return (column.length === 1 ? column[0] : column[row])!;
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
