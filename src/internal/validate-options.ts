import type { SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/llm-error.js';

/**
 * Parses `value` with `schema`, or throws an `InvalidOptionsError` whose message names each bad field,
 * e.g. `openai() options.maxRetries: Too small: expected number to be >=0`.
 */
export function validateOptions<S extends z.ZodType>(schema: S, value: unknown, label: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidOptionsError(formatIssues(result.error.issues, label));
}

/**
 * One line per zod issue, `label.path[0].to: message`, joined with `; `; the path alone (`(root)` when empty) where
 * `label` is omitted.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], label?: string): string {
  return issues.map((issue) => `${formatPath(label, issue.path)}: ${issue.message}`).join('; ');
}

/** zod schema of `RetryOptions`; unknown keys are errors. */
export const retryOptionsSchema = z.strictObject({
  maxRetries: z.number().int().min(0).optional(),
  initialDelayMs: z.number().min(0).optional(),
  maxDelayMs: z.number().min(0).optional(),
  maxRetryAfterMs: z.number().min(0).optional(),
  jitter: z.boolean().optional(),
});

/** zod schema of an RxJS scheduler: anything with `now()` and `schedule()`. */
export const schedulerSchema = z.custom<SchedulerLike>((value) => {
  const scheduler = value as Partial<SchedulerLike> | null | undefined;
  return typeof scheduler?.now === 'function' && typeof scheduler.schedule === 'function';
}, 'expected a SchedulerLike (with now() and schedule())');

function formatPath(label: string | undefined, path: readonly PropertyKey[]): string {
  const out = path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`), label ?? '');
  if (label !== undefined) return out;
  return out === '' ? '(root)' : out.replace(/^\./, '');
}
