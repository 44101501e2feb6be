import { InvalidOptionsError } from '../errors/llm-error.js';
import type { BatchLimits } from '../model/batch-provider.js';

/**
 * Cuts a job's lines into consecutive batches that each stay within `limits`: at most `maxRequests` lines and
 * `maxBytes` bytes (each line's UTF-8 bytes plus its newline). Order is kept; no batch is empty.
 *
 * Throws `InvalidOptionsError` naming the item for a line that alone exceeds `maxBytes`.
 *
 * @param lineBytes - Each line's size in bytes, newline included.
 * @param limits - The provider's per-batch limits.
 * @param itemName - Names the item at a position, for the error (e.g. `prompts[7]`).
 * @returns The positions of each batch.
 *
 * @example
 * ```ts
 * splitIntoBatches([10, 10, 10], { maxRequests: 2, maxBytes: 100 }); // [[0, 1], [2]]
 * ```
 */
export function splitIntoBatches(lineBytes: readonly number[], limits: BatchLimits, itemName: (position: number) => string = (position) => `item ${position}`): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  lineBytes.forEach((size, position) => {
    if (size > limits.maxBytes) {
      throw new InvalidOptionsError(`${itemName(position)}: its batch line is ${size} bytes, more than one batch may hold (${limits.maxBytes} bytes).`);
    }
    if (current.length === limits.maxRequests || bytes + size > limits.maxBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(position);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}
