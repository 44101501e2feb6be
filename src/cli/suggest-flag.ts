/**
 * The known flag closest to a mistyped one (edit distance at most 2, or a prefix of it), for "did you mean" hints.
 *
 * @param typed - The flag as typed, without dashes, e.g. `max-activ`.
 * @param known - The command's flags, without dashes.
 * @returns The best match, or `undefined` when nothing is close.
 *
 * @example
 * ```ts
 * suggestFlag('max-activ', ['max-active', 'rpm']); // 'max-active'
 * ```
 */
export function suggestFlag(typed: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const flag of known) {
    const distance = flag.startsWith(typed) && typed.length >= 3 ? 1 : editDistance(typed, flag);
    if (distance < bestDistance) {
      best = flag;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.min(2, Math.max(1, Math.floor(typed.length / 3))) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
