/** Response headers as Node and undici give them: names usually lower-cased, repeated headers as arrays. */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Reads one header by name, case-insensitively; repeated values are joined with `, ` and the result is trimmed.
 * Returns `undefined` when the header is absent or blank.
 *
 * @example
 * ```ts
 * headerValue({ 'Retry-After': '2' }, 'retry-after'); // '2'
 * ```
 */
export function headerValue(headers: HeaderRecord, name: string): string | undefined {
  const lower = name.toLowerCase();
  let value = headers[lower];
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === lower) {
        value = headers[key];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  const text = (typeof value === 'string' ? value : value.join(', ')).trim();
  return text === '' ? undefined : text;
}
