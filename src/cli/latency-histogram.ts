/** Latencies up to this many milliseconds are counted in a fixed array; longer ones are kept individually. */
const DIRECT_LIMIT_MS = 600_000;

/**
 * Exact latency percentiles in bounded memory: latencies are rounded to whole milliseconds and counted per
 * millisecond (2.4 MB, allocated on first use), so a run of millions of prompts keeps no list of latencies.
 * Uses the nearest-rank definition: the p-th percentile is the smallest value with at least p% of values ≤ it.
 *
 * @example
 * ```ts
 * const latencies = new LatencyHistogram();
 * for (const ms of [120, 80, 95, 400]) latencies.record(ms);
 * latencies.percentile(50); // 95
 * latencies.percentile(95); // 400
 * ```
 */
export class LatencyHistogram {
  #counts: Uint32Array | undefined;
  #overflow: number[] = [];
  #count = 0;

  /** Number of latencies recorded. */
  get count(): number {
    return this.#count;
  }

  /** Records one latency in milliseconds (rounded; negative values count as 0). */
  record(latencyMs: number): void {
    const ms = Math.max(0, Math.round(latencyMs));
    if (ms <= DIRECT_LIMIT_MS) {
      this.#counts ??= new Uint32Array(DIRECT_LIMIT_MS + 1);
      this.#counts[ms] = this.#counts[ms]! + 1;
    } else {
      this.#overflow.push(ms);
    }
    this.#count += 1;
  }

  /**
   * The p-th percentile (nearest rank), in whole milliseconds.
   * @param p - Between 0 and 100.
   * @returns The percentile, or `undefined` when nothing was recorded.
   */
  percentile(p: number): number | undefined {
    if (this.#count === 0) return undefined;
    const rank = Math.min(this.#count, Math.max(1, Math.ceil((p / 100) * this.#count)));
    let seen = 0;
    if (this.#counts !== undefined) {
      for (let ms = 0; ms <= DIRECT_LIMIT_MS; ms++) {
        seen += this.#counts[ms]!;
        if (seen >= rank) return ms;
      }
    }
    const sorted = [...this.#overflow].sort((a, b) => a - b);
    return sorted[rank - seen - 1];
  }
}
