import { costOf, type PriceTable, priceOf, type PriceTier, priceTierOf, type Usage } from '../index.js';
import { LatencyHistogram } from './latency-histogram.js';

/** Live figures of the pipeline, read from the library's progress tracker. */
export interface PipelineFigures {
  inFlight: number;
  retries: number;
  requestsPerMinute: number;
}

const RATE_WINDOW_MS = 30_000;

/**
 * The counts of one `rxllm run`: prompts finished in this run (ok, failed, not sent), prompts skipped because the
 * results file already has them, malformed lines, tokens, cost and latencies. Feeds the progress display and the
 * summary; figures about requests in flight come from the library's `ProgressTracker`.
 *
 * @example
 * ```ts
 * const stats = new RunStats('openai/gpt-4o-mini', () => performance.now());
 * stats.recordOk({ inputTokens: 12, outputTokens: 3 }, 'gpt-4o-mini', 240);
 * stats.completed; // 1
 * ```
 */
export class RunStats {
  /** Non-empty lines of the input, once counted (file input only). */
  total: number | undefined;
  /** Prompts already in the results file, skipped. */
  skipped = 0;
  /** Malformed lines and duplicate ids. */
  badLines = 0;
  /** Prompts answered in this run. */
  ok = 0;
  /** Prompts that failed in this run (after retries). */
  failed = 0;
  /** Prompts refused by the budget (`--max-cost`, `--max-total-tokens`): not sent, not recorded. */
  notSent = 0;
  inputTokens = 0;
  outputTokens = 0;
  /** The part of `inputTokens` read from the provider's prompt cache. */
  cachedInputTokens = 0;
  /** The part of `inputTokens` written to the provider's prompt cache. */
  cacheWriteInputTokens = 0;
  /** The part of `outputTokens` spent reasoning. */
  reasoningTokens = 0;
  /**
   * The run is stopping (Ctrl-C, SIGTERM, the budget, `--on-error return`): it will not reach `total`, so there is
   * no ETA.
   */
  stopping = false;
  /** USD spent in this run on priced answers, each at the tier that served it. */
  cost = 0;
  /** What the same priced answers would have cost at the standard tier. */
  standardCost = 0;
  /** Answers per service tier that served them (the provider's word), for answers that said. */
  readonly servedByTier = new Map<string, number>();
  /** Models that answered without a known price. */
  readonly unpricedModels = new Set<string>();
  /** Time in flight: from a prompt's first request to its outcome, retries included. */
  readonly latencies = new LatencyHistogram();
  /** Time queued: from a prompt taking a slot to its first request (the wait for the rate limiter). */
  readonly queued = new LatencyHistogram();
  readonly startedAt: number;
  readonly #model: string;
  readonly #now: () => number;
  readonly #samples: Array<[time: number, completed: number]> = [];
  /**
   * Each model's price, looked up once (a dated id such as `gpt-4o-mini-2024-07-18`, or an unknown one, is matched
   * by scanning the whole price table: issue 25 found it on every result), as a one-entry table for `costOf`.
   */
  readonly #prices = new Map<string, PriceTable | undefined>();

  constructor(model: string, now: () => number = () => performance.now()) {
    this.#model = model;
    this.#now = now;
    this.startedAt = now();
  }

  /** Prompts finished in this run, whatever their outcome. */
  get completed(): number {
    return this.ok + this.failed;
  }

  /** Input lines accounted for: finished, skipped, bad or not sent. */
  get accounted(): number {
    return this.ok + this.failed + this.skipped + this.badLines + this.notSent;
  }

  /** Milliseconds since the run started. */
  elapsedMs(): number {
    return this.#now() - this.startedAt;
  }

  /** An answered prompt. */
  recordOk(usage: Usage, model: string, latencyMs: number, serviceTier?: string): void {
    this.ok += 1;
    if (serviceTier !== undefined) this.servedByTier.set(serviceTier, (this.servedByTier.get(serviceTier) ?? 0) + 1);
    this.#spend(usage, model, serviceTier);
    this.latencies.record(latencyMs);
  }

  /** A prompt that failed after its retries; `usage` when an answer was paid for but rejected (`--structured`). */
  recordFailed(latencyMs: number, usage?: Usage, model?: string): void {
    this.failed += 1;
    if (usage !== undefined) this.#spend(usage, model ?? this.#model);
    this.latencies.record(latencyMs);
  }

  /** How long a recorded prompt waited for the rate limiter before its first request. */
  recordQueued(queuedMs: number): void {
    this.queued.record(queuedMs);
  }

  #spend(usage: Usage, model: string, serviceTier?: string): void {
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    this.cachedInputTokens += usage.cachedInputTokens ?? 0;
    this.cacheWriteInputTokens += usage.cacheWriteInputTokens ?? 0;
    this.reasoningTokens += usage.reasoningTokens ?? 0;
    const tier = priceTierOf(serviceTier);
    const cost = this.#costOf(model, usage, tier) ?? this.#costOf(this.#model, usage, tier);
    if (cost === undefined) {
      this.unpricedModels.add(model);
      return;
    }
    this.cost += cost;
    this.standardCost += this.#costOf(model, usage) ?? this.#costOf(this.#model, usage) ?? cost;
  }

  #costOf(model: string, usage: Usage, tier?: PriceTier): number | undefined {
    let table = this.#prices.get(model);
    if (table === undefined && !this.#prices.has(model)) {
      const price = priceOf(model);
      table = price === undefined ? undefined : { [model]: price };
      this.#prices.set(model, table);
    }
    return table === undefined ? undefined : costOf(model, usage, table, tier);
  }

  /** True when every answer so far had a price. */
  get costKnown(): boolean {
    return this.unpricedModels.size === 0;
  }

  /**
   * Estimated milliseconds until every input line is accounted for, from the completion rate of the last 30 seconds;
   * `undefined` until the total is known and something has completed, and once the run is `stopping`. Call it
   * periodically (it samples the rate).
   */
  etaMs(): number | undefined {
    const now = this.#now();
    this.#samples.push([now, this.completed]);
    while (this.#samples.length > 2 && this.#samples[0]![0] < now - RATE_WINDOW_MS) this.#samples.shift();
    if (this.total === undefined || this.stopping) return undefined;
    const remaining = Math.max(0, this.total - this.accounted);
    if (remaining === 0) return 0;
    const [firstTime, firstCompleted] = this.#samples[0]!;
    const rate = (this.completed - firstCompleted) / (now - firstTime);
    return rate > 0 && Number.isFinite(rate) ? remaining / rate : undefined;
  }
}
