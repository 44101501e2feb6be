import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { type StructuredOutput, structuredOutput } from '../index.js';
import { FatalCliError } from './usage-error.js';

/**
 * Loads the JSON Schema file of `--structured` and prepares it with the library's `structuredOutput` (zod 4's
 * `z.fromJSONSchema` turns it into the validator). The file holds either a JSON Schema, or OpenAI's wrapper
 * `{ "name", "schema", "strict"?, "description"? }`; the name defaults to the file name.
 *
 * @param path - The schema file.
 * @returns The `StructuredOutput` that adds the `responseFormat` to prompts and validates answers.
 * @throws FatalCliError naming the file when it cannot be read or is not a usable schema.
 *
 * @example
 * ```ts
 * const output = await loadStructuredSchema('city.schema.json');
 * const request = output.apply('Capital of Peru?'); // with responseFormat: { type: 'json_schema', name: 'city', … }
 * ```
 */
export async function loadStructuredSchema(path: string): Promise<StructuredOutput<unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FatalCliError(`--structured: cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FatalCliError(`--structured: ${path} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FatalCliError(`--structured: ${path} must hold a JSON Schema object`);
  }
  const record = json as Record<string, unknown>;
  const wrapper = typeof record.schema === 'object' && record.schema !== null && typeof record.name === 'string';
  const schema = (wrapper ? record.schema : record) as Record<string, unknown>;
  const name = wrapper ? (record.name as string) : defaultName(path);
  const strict = wrapper && typeof record.strict === 'boolean' ? record.strict : true;
  const description = wrapper && typeof record.description === 'string' ? record.description : undefined;
  try {
    return structuredOutput(z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]), {
      name,
      strict,
      ...(description === undefined ? {} : { description }),
    });
  } catch (error) {
    throw new FatalCliError(`--structured: ${path} is not a usable JSON Schema (${(error as Error).message})`);
  }
}

function defaultName(path: string): string {
  const stem = basename(path, extname(path)).replace(/\.schema$/, '');
  const name = stem.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 64);
  return name === '' ? 'answer' : name;
}
