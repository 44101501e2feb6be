/**
 * Ends an answer before the first of the request's stop sequences, as the real APIs do (OpenAI `stop`, Anthropic
 * `stop_sequences`: the sequence itself is not part of the text). Returns `undefined` when none occurs.
 *
 * @example
 * ```ts
 * cutAtStop(['Re:', ' a', ' b', 'c'], ['bc']); // { pieces: ['Re:', ' a', ' '], sequence: 'bc' }
 * ```
 */
export function cutAtStop(pieces: readonly string[], stops: readonly string[]): { pieces: string[]; sequence: string } | undefined {
  if (stops.length === 0) return undefined;
  const text = pieces.join('');
  let at = -1;
  let sequence = '';
  for (const stop of stops) {
    const index = text.indexOf(stop);
    if (index !== -1 && (at === -1 || index < at)) {
      at = index;
      sequence = stop;
    }
  }
  if (at === -1) return undefined;
  const kept: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (length + piece.length <= at) {
      kept.push(piece);
      length += piece.length;
      continue;
    }
    if (at > length) kept.push(piece.slice(0, at - length));
    break;
  }
  return { pieces: kept, sequence };
}
