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

/**
 * Reads one header from a record whose names are lower-case already (a `ResponseMeta`'s): a direct lookup, trimmed,
 * blank as absent. `name` must be lower-case.
 *
 * @example
 * ```ts
 * lowerCaseHeader({ 'content-type': ' application/json ' }, 'content-type'); // 'application/json'
 * ```
 */
export function lowerCaseHeader(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

/**
 * `headers` with lower-case names, repeated values joined with `, ` (an exact lower-case name wins over other
 * spellings, else the first spelling seen, as `headerValue` reads them); for records from users, which may be in any
 * case. Responses' headers are lower-cased once, by the transport, as they are read.
 *
 * @example
 * ```ts
 * lowerCaseHeaders({ 'X-RateLimit-Remaining-Tokens': '7' }); // { 'x-ratelimit-remaining-tokens': '7' }
 * ```
 */
export function lowerCaseHeaders(headers: HeaderRecord): Record<string, string> {
  const lowered: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === '__proto__') continue;
    if (lower === name || !Object.hasOwn(lowered, lower)) lowered[lower] = typeof value === 'string' ? value : value.join(', ');
  }
  return lowered;
}
