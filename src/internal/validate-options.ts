import type { z } from 'zod';
import { InvalidOptionsError } from '../errors/llm-error.js';

/**
 * Parses `value` with `schema`, or throws an `InvalidOptionsError` whose message names each bad field,
 * e.g. `openai() options.maxRetries: Too small: expected number to be >=0`.
 */
export function validateOptions<S extends z.ZodType>(schema: S, value: unknown, label: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${formatPath(label, issue.path)}: ${issue.message}`);
  throw new InvalidOptionsError(problems.join('; '));
}

function formatPath(label: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`),
    label,
  );
}
