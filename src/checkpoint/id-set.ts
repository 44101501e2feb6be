import type { PromptId } from '../types.js';
import { CompactStringSet } from './compact-string-set.js';

const LINE_ID = /^line-([1-9]\d{0,9})$/;
/** Line numbers up to this go in the bitset (16 MiB at most); larger ones in the `Set`. */
const MAX_BITSET_LINE = 2 ** 27;

/**
 * A set of prompt ids that stays small for big runs: the default ids `line-<n>` are kept as bits (10 million of them
 * take about 1.2 MB), other ids in a `CompactStringSet` (UTF-8 bytes in an arena: a million ids of 11 characters take
 * about 25 MB, where a `Set<string>` takes 85 MB). Exact: no false positives. The string `"5"` and the number `5` are different ids, as in JSON.
 *
 * @example
 * ```ts
 * const done = new IdSet();
 * done.add('line-3'); done.add('invoice-17'); done.add(42);
 * done.has('line-3'); // true
 * done.has('42');     // false: only the number 42 was added
 * ```
 */
export class IdSet {
  #bits = new Uint8Array(1024);
  readonly #others = new CompactStringSet();
  #size = 0;

  /** How many distinct ids the set holds. */
  get size(): number {
    return this.#size;
  }

  /** Adds an id; returns false when it was already there. */
  add(id: PromptId): boolean {
    const line = lineNumberOf(id);
    if (line !== undefined) {
      const byte = line >>> 3;
      if (byte >= this.#bits.length) this.#grow(byte);
      const mask = 1 << (line & 7);
      if ((this.#bits[byte]! & mask) !== 0) return false;
      this.#bits[byte] = this.#bits[byte]! | mask;
    } else {
      const key = keyOf(id);
      if (this.#others.has(key)) return false;
      this.#others.add(key);
    }
    this.#size += 1;
    return true;
  }

  /** True when the id was added. */
  has(id: PromptId): boolean {
    const line = lineNumberOf(id);
    if (line === undefined) return this.#others.has(keyOf(id));
    const byte = line >>> 3;
    return byte < this.#bits.length && (this.#bits[byte]! & (1 << (line & 7))) !== 0;
  }

  #grow(byte: number): void {
    let length = this.#bits.length;
    while (length <= byte) length *= 2;
    const bits = new Uint8Array(length);
    bits.set(this.#bits);
    this.#bits = bits;
  }
}

function lineNumberOf(id: PromptId): number | undefined {
  if (typeof id !== 'string') return undefined;
  const match = LINE_ID.exec(id);
  if (match === null) return undefined;
  const line = Number(match[1]);
  return line < MAX_BITSET_LINE ? line : undefined;
}

function keyOf(id: PromptId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}
