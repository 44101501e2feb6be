// Per-index outcome accounting inside a runner process: what the client saw for each input index.
export class Tally {
  /**
   * @param {number} n - number of prompts
   * @param {{ stream?: boolean, ttftFrom?: number }} options - `ttftFrom`: the first index counted in the time-to-first-token
   *   figures (the items of the first, simultaneous start are left out when there are later ones)
   */
  constructor(n, { stream = false, ttftFrom = 0 } = {}) {
    this.ttftFrom = ttftFrom;
    this.n = n;
    this.successes = new Uint8Array(n);
    this.failures = new Uint8Array(n);
    this.outOfRange = 0;
    this.tokens = 0;
    this.errorKinds = new Map();
    /** Time to first token per index, ms; NaN until seen. */
    this.ttft = stream ? new Float64Array(n).fill(Number.NaN) : undefined;
  }

  success(index) {
    if (!this.#valid(index)) return;
    if (this.successes[index] < 255) this.successes[index] += 1;
  }

  failure(index, error) {
    if (!this.#valid(index)) return;
    if (this.failures[index] < 255) this.failures[index] += 1;
    const kind = describe(error);
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }

  /** Records the first token of `index`, `ms` after its request started (only the first call counts). */
  firstToken(index, ms) {
    if (this.ttft !== undefined && this.#valid(index) && Number.isNaN(this.ttft[index])) this.ttft[index] = ms;
  }

  #valid(index) {
    if (Number.isInteger(index) && index >= 0 && index < this.n) return true;
    this.outOfRange += 1;
    return false;
  }

  summary() {
    let ok = 0;
    let failed = 0;
    let lost = 0;
    let duplicateSuccesses = 0;
    let successAndFailure = 0;
    for (let i = 0; i < this.n; i += 1) {
      const s = this.successes[i];
      const f = this.failures[i];
      if (s > 0) ok += 1;
      if (s > 1) duplicateSuccesses += 1;
      if (s > 0 && f > 0) successAndFailure += 1;
      if (s === 0 && f > 0) failed += 1;
      if (s === 0 && f === 0) lost += 1;
    }
    const result = {
      n: this.n,
      ok,
      failed,
      lost,
      duplicateSuccesses,
      successAndFailure,
      outOfRange: this.outOfRange,
      tokens: this.tokens,
      errorKinds: Object.fromEntries([...this.errorKinds].sort((a, b) => b[1] - a[1]).slice(0, 8)),
    };
    if (this.ttft !== undefined) {
      const seen = Array.from(this.ttft.subarray(this.ttftFrom)).filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
      result.ttftMs = { count: seen.length, p50: quantile(seen, 0.5), p90: quantile(seen, 0.9), p99: quantile(seen, 0.99) };
    }
    return result;
  }
}

function describe(error) {
  if (error === null || typeof error !== 'object') return String(error).slice(0, 80);
  const status = error.status ?? error.statusCode ?? error.response?.status;
  const name = error.name ?? error.constructor?.name ?? 'Error';
  return status === undefined ? name : `${name} ${status}`;
}

/** Linear-interpolated quantile of an ascending array; NaN when empty. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}
