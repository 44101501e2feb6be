import { z } from 'zod';
import { parseDurationFlag } from './parse-duration-flag.js';

/**
 * The zod schema of a CLI duration flag (`--timeout`, `--grace`, `--poll-interval` …): `500ms`, `90s`, `15m`, `2h` or
 * plain seconds, read by {@link parseDurationFlag} into milliseconds. A value that is no duration fails with the forms
 * accepted; `0` fails too unless `allowZero` (zero grace means "do not wait").
 *
 * @param allowZero - Whether `0` is a meaningful value of the flag.
 * @returns A schema from the flag's text to milliseconds.
 *
 * @example
 * ```ts
 * durationFlagSchema().parse('90s'); // 90000
 * ```
 */
export function durationFlagSchema(allowZero = false) {
  return z
    .string()
    .transform((text, context) => {
      const ms = parseDurationFlag(text);
      if (ms === undefined) {
        context.addIssue({ code: 'custom', message: 'expected a duration such as 500ms, 90s, 2h or plain seconds' });
        return z.NEVER;
      }
      return ms;
    })
    .pipe(allowZero ? z.number().min(0) : z.number().positive('expected a duration above 0'));
}
