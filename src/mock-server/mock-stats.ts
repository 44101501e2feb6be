import type { FaultKind } from './fault-kinds.js';

/** How many duplicate keys `MockStats.duplicateKeys` lists at most. */
const DUPLICATE_EXAMPLES = 20;

/**
 * Counters of a mock server, from `server.stats()` or `GET /stats` (`GET /stats?deliveries=1` adds the
 * per-key counts). Chat requests (OpenAI and Anthropic) are counted; `/stats` and `/v1/models` are not.
 * `requests = completed + inFlight` always holds.
 *
 * @example
 * ```ts
 * import { startMockServer, type MockStats } from 'rxllm/testing';
 * const server = await startMockServer();
 * await fetch(`${server.openaiBaseURL}/chat/completions`, {
 *   method: 'POST', headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ model: 'mock-model', messages: [{ role: 'user', content: 'Hi' }] }),
 * });
 * const { requests, delivered, duplicates }: MockStats = server.stats();
 * console.log(requests, delivered, duplicates); // 1 1 0
 * await server.close();
 * ```
 */
export interface MockStats {
  /** Chat requests received. */
  requests: number;
  /** Chat requests whose exchange has ended, whatever the outcome. */
  completed: number;
  /** Chat requests received and not yet ended. */
  inFlight: number;
  /** Highest `inFlight` seen since start (or since `resetStats`, which sets it to the current `inFlight`). */
  maxInFlight: number;
  /** Responses by the HTTP status sent (a status counts when its head was sent, even if the body was then cut). */
  responses: Record<string, number>;
  /** Faults injected, by kind (random or forced by `x-mock-fault`). */
  faults: Partial<Record<FaultKind, number>>;
  /** 429s sent: by the server-enforced limits and by injected `429` faults. */
  rateLimited: number;
  /** Of `rateLimited`, those sent because `rpmLimit` or `tpmLimit` was exceeded. */
  rateLimitedByLimits: number;
  /** Flex requests refused for capacity (429 or 498, `flexRefusalShare`). */
  capacityRefused: number;
  /** Requests refused with a 400 for a tier their model lacks (`modelsWithoutTiers`). */
  tierUnsupported: number;
  /** Exchanges the client closed before the server finished them (including `hang` and `endless-body` faults). */
  aborted: number;
  /** Successful answers sent in full. */
  delivered: number;
  /** Distinct prompt keys delivered (0 when `trackDeliveries` is off). */
  deliveredKeys: number;
  /** Prompt keys delivered more than once (0 when `trackDeliveries` is off). */
  duplicates: number;
  /** Up to 20 of the keys delivered more than once. */
  duplicateKeys: string[];
  /** Deliveries per prompt key (the `x-mock-key` header, else the last user message); only when asked for. */
  deliveries?: Record<string, number>;
  /** Input tokens of the delivered answers. */
  inputTokens: number;
  /** Output tokens of the delivered answers. */
  outputTokens: number;
  /** TCP connections accepted. */
  connections: number;
  /** TCP connections open now. */
  openSockets: number;
}

/** The mutable counters behind `MockStats`. */
export class StatsRecorder {
  requests = 0;
  completed = 0;
  inFlight = 0;
  maxInFlight = 0;
  rateLimited = 0;
  rateLimitedByLimits = 0;
  capacityRefused = 0;
  tierUnsupported = 0;
  aborted = 0;
  delivered = 0;
  duplicates = 0;
  inputTokens = 0;
  outputTokens = 0;
  connections = 0;
  openSockets = 0;
  private responses = new Map<number, number>();
  private faults = new Map<FaultKind, number>();
  private deliveries = new Map<string, number>();
  private duplicateKeys: string[] = [];

  constructor(private readonly trackDeliveries: boolean) {}

  started(): void {
    this.requests++;
    if (++this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  ended(): void {
    this.inFlight--;
    this.completed++;
  }

  responded(status: number): void {
    this.responses.set(status, (this.responses.get(status) ?? 0) + 1);
    if (status === 429) this.rateLimited++;
  }

  faulted(kind: FaultKind): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  deliveredAnswer(key: string, inputTokens: number, outputTokens: number): void {
    this.delivered++;
    this.inputTokens += inputTokens;
    this.outputTokens += outputTokens;
    if (!this.trackDeliveries) return;
    const count = this.deliveries.get(key);
    if (count === undefined) {
      this.deliveries.set(key, 1);
      return;
    }
    if (count === 1) {
      this.duplicates++;
      if (this.duplicateKeys.length < DUPLICATE_EXAMPLES) this.duplicateKeys.push(key);
    }
    this.deliveries.set(key, count + 1);
  }

  /** Deliveries of one key so far. */
  deliveriesOf(key: string): number {
    return this.deliveries.get(key) ?? 0;
  }

  snapshot(includeDeliveries: boolean): MockStats {
    const stats: MockStats = {
      requests: this.requests,
      completed: this.completed,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      responses: Object.fromEntries([...this.responses].sort(([a], [b]) => a - b).map(([status, count]) => [String(status), count])),
      faults: Object.fromEntries(this.faults),
      rateLimited: this.rateLimited,
      rateLimitedByLimits: this.rateLimitedByLimits,
      capacityRefused: this.capacityRefused,
      tierUnsupported: this.tierUnsupported,
      aborted: this.aborted,
      delivered: this.delivered,
      deliveredKeys: this.deliveries.size,
      duplicates: this.duplicates,
      duplicateKeys: [...this.duplicateKeys],
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      connections: this.connections,
      openSockets: this.openSockets,
    };
    if (includeDeliveries) stats.deliveries = Object.fromEntries(this.deliveries);
    return stats;
  }

  /** Zeroes the counters; the gauges (`inFlight`, `openSockets`) keep their current values. */
  reset(): void {
    this.requests = this.inFlight;
    this.completed = 0;
    this.maxInFlight = this.inFlight;
    this.rateLimited = 0;
    this.rateLimitedByLimits = 0;
    this.capacityRefused = 0;
    this.tierUnsupported = 0;
    this.aborted = 0;
    this.delivered = 0;
    this.duplicates = 0;
    this.inputTokens = 0;
    this.outputTokens = 0;
    this.connections = this.openSockets;
    this.responses = new Map();
    this.faults = new Map();
    this.deliveries = new Map();
    this.duplicateKeys = [];
  }
}
