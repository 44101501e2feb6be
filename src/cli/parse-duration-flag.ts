/**
 * Reads a CLI duration as the SPEC spells them: `500ms`, `90s`, `15m`, `2h`, or plain seconds (`30`, `1.5`).
 *
 * @param text - The flag's value.
 * @returns Milliseconds, or `undefined` when `text` is no duration.
 *
 * @example
 * ```ts
 * parseDurationFlag('2h'); // 7200000
 * ```
 */
export function parseDurationFlag(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = value * (unit === 'ms' ? 1 : unit === 's' ? 1_000 : unit === 'm' ? 60_000 : 3_600_000);
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}
