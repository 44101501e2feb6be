import type { SchedulerLike } from 'rxjs';
import { z } from 'zod';

/** zod schema of `RetryOptions`; unknown keys are errors. */
export const retryOptionsSchema = z.strictObject({
  maxRetries: z.number().int().min(0).optional(),
  initialDelayMs: z.number().min(0).optional(),
  maxDelayMs: z.number().min(0).optional(),
  maxRetryAfterMs: z.number().min(0).optional(),
  jitter: z.boolean().optional(),
});

/** zod schema of an RxJS scheduler (anything with `now()` and `schedule()`). */
export const schedulerSchema = z.custom<SchedulerLike>((value) => {
  const scheduler = value as Partial<SchedulerLike> | null | undefined;
  return typeof scheduler?.now === 'function' && typeof scheduler.schedule === 'function';
}, 'expected a SchedulerLike');
