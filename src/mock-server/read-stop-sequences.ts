/**
 * Reads OpenAI's `stop` (a string, an array of strings, or null) or Anthropic's `stop_sequences` (an array of
 * strings). Returns the sequences, or the message of a 400 naming `field`.
 *
 * @example
 * ```ts
 * readStopSequences('END', 'stop'); // ['END']
 * ```
 */
export function readStopSequences(value: unknown, field: string): string[] | { error: string } {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((item): item is string => typeof item === 'string' && item !== '')) {
    return { error: `${field}: expected ${field === 'stop' ? 'a string or ' : ''}an array of non-empty strings.` };
  }
  return list;
}
