import { asyncScheduler, defer, filter, finalize, fromEvent, lastValueFrom, NEVER, type Observable, takeUntil, tap } from 'rxjs';
import { InvalidOptionsError, LlmError, toLlmError } from '../errors/llm-error.js';
import type { BatchItemResult, BatchLimits, BatchProvider, BatchStatus } from '../model/batch-provider.js';
import type { ChatModel } from '../model/chat-provider.js';
import { retryWithBackoff } from '../model/retry-with-backoff.js';
import { priceUsage } from '../cost/cost-of.js';
import { type PriceTable, priceOf } from '../cost/model-prices.js';
import type { ChatResponse, Prompt, ProviderRequest } from '../types.js';
import type { BatchChatOptions, BatchJobProgress, BatchResubmit } from './batch-chat-options.js';
import { type BatchJobState, readBatchState, type SavedBatch, writeBatchState } from './batch-state.js';
import { changedParts, jobFingerprint } from './job-fingerprint.js';
import { pause, settle } from './settle.js';
import { splitIntoBatches } from './split-into-batches.js';

/** The longest wait before a batch refused for the enqueued-token limit is created again. */
const MAX_ENQUEUE_BACKOFF_MS = 30 * 60_000;
const DEFAULT_POLL_INTERVAL_MS = 30_000;

/** What a job run hands back: one outcome per prompt, in input order (`null`: never run). */
export type BatchOutcome = ChatResponse | LlmError | null;

/**
 * Runs one batch job to its end (or to an abort, after cancelling its provider batches and reading what they
 * returned). Internal engine of `batchChat`: `results` is filled in place, so an abort keeps what was read.
 */
export async function runBatchJob(model: ChatModel, prompts: readonly Prompt[], options: BatchChatOptions, results: BatchOutcome[]): Promise<void> {
  const job = await BatchJob.open(model, prompts, options, results);
  await job.run();
}

class BatchJob {
  private readonly kinds: (BatchItemResult['kind'] | 'failed' | undefined)[];
  private readonly live = new Map<string, BatchStatus>();
  private waiting = 0;
  /** Indices whose batch create was refused (failed, never in a provider batch): resubmittable as `failed`. */
  private readonly refused: number[] = [];

  private constructor(
    private readonly model: ChatModel,
    private readonly batch: BatchProvider,
    private readonly requests: readonly ProviderRequest[],
    private readonly lines: readonly string[],
    private readonly state: BatchJobState,
    private readonly options: BatchChatOptions,
    private readonly results: BatchOutcome[],
    private readonly limits: BatchLimits,
  ) {
    this.kinds = new Array<undefined>(lines.length).fill(undefined);
  }

  static async open(model: ChatModel, prompts: readonly Prompt[], options: BatchChatOptions, results: BatchOutcome[]): Promise<BatchJob> {
    const batch = model.provider.batch;
    if (batch === undefined) {
      throw new InvalidOptionsError(
        `batchChat: ${model.id} has no batch API (only OpenAI's and Anthropic's own APIs have one; for a server standing in for them pass batchApi: true to the factory).`,
      );
    }
    const requests: ProviderRequest[] = prompts.map((prompt, index) => model.resolve(prompt, options.params, `prompts[${index}]`));
    const lines = requests.map((request, index) => batch.line(customIdOf(index, 0), request));
    const limits = {
      maxRequests: Math.min(batch.limits.maxRequests, options.batchLimits?.maxRequests ?? Infinity),
      maxBytes: Math.min(batch.limits.maxBytes, options.batchLimits?.maxBytes ?? Infinity),
    };
    splitIntoBatches(sizesOf(lines), limits, (index) => `prompts[${index}]`); // a line too large fails before anything is sent
    const fingerprint = jobFingerprint(model.id, requests);
    const { statePath } = options;
    const saved = statePath === undefined ? undefined : await readBatchState(statePath);
    if (saved !== undefined) {
      const changed = saved.provider !== model.provider.id ? 'the provider' : changedParts(saved.fingerprint, fingerprint);
      if (changed !== undefined) {
        throw new InvalidOptionsError(`statePath: ${statePath} belongs to another job: ${changed} changed since it was saved. Pass another statePath, or delete the file to start over.`);
      }
    }
    const state: BatchJobState = saved ?? { version: 1, provider: model.provider.id, fingerprint, batches: [] };
    results.length = prompts.length;
    results.fill(null);
    return new BatchJob(model, batch, requests, lines, state, options, results, limits);
  }

  async run(): Promise<void> {
    const resubmit = this.options.resubmit ?? 'none';
    const rounds = resubmit === 'none' ? 0 : (this.options.resubmitRounds ?? 3);
    let eligible = this.lines.map((_line, index) => index);
    for (let round = 0; round <= rounds && eligible.length > 0; round++) {
      await this.runRound(round, eligible);
      eligible = [...this.indicesOf(round), ...this.refused.splice(0)].filter((index) => wanted(this.kinds[index], resubmit));
    }
    this.report();
  }

  /** Submits what of `eligible` this round has not yet, and follows the round's batches until all have ended. */
  private async runRound(round: number, eligible: readonly number[]): Promise<void> {
    const { signal } = this.options;
    const covered = new Set(this.indicesOf(round));
    const pending = eligible.filter((index) => !covered.has(index));
    const lineOf = (index: number): string => (round === 0 ? this.lines[index]! : this.batch.line(customIdOf(index, round), this.requests[index]!));
    const queue = splitIntoBatches(sizesOf(pending.map(lineOf)), this.limits).map((positions) => positions.map((position) => pending[position]!));
    this.waiting = pending.length;
    for (const saved of this.batchesOf(round).filter((saved) => saved.ended)) await this.collect(saved, await this.call(this.batch.retrieve(saved.id)));
    let backoff = 0;
    let notBefore = 0;
    const pollInterval = this.options.pollInterval ?? DEFAULT_POLL_INTERVAL_MS;
    try {
      for (;;) {
        while (queue.length > 0 && this.now() >= notBefore) {
          signal?.throwIfAborted();
          const indices = queue.shift()!;
          this.waiting -= indices.length;
          let status: BatchStatus;
          try {
            status = await this.create(indices.map(lineOf));
          } catch (error) {
            if (signal?.aborted === true) throw error; // never sent, or refused while aborting: the items stay `null`
            // A refused create (a 400, Anthropic's 413, a 429 or 5xx still refused after the retries) fails only the
            // items it held; the job goes on with the other batches.
            const failure = toLlmError(error);
            for (const index of indices) this.fail(index, failure);
            this.refused.push(...indices);
            continue;
          }
          // The id is saved before anything else: a crash from here on resumes this batch instead of paying twice.
          const saved: SavedBatch = { id: status.id, round, indices, ended: false };
          this.state.batches.push(saved);
          await this.save();
          this.live.set(status.id, status);
          signal?.throwIfAborted(); // an abort during the create: the batch is known now, and cancelled below
        }
        const active = this.batchesOf(round).filter((saved) => !saved.ended);
        this.report();
        if (active.length === 0 && queue.length === 0) return;
        await pause(active.length === 0 ? notBefore - this.now() : pollInterval, signal);
        for (const saved of active) {
          const status = await this.call(this.batch.retrieve(saved.id));
          this.live.set(saved.id, status);
          if (status.phase !== 'ended') continue;
          if (status.failure?.retryLater === true) {
            // The enqueued-token limit: the batch was created, then refused. Forget it and submit its items again
            // once another batch of the job has ended, or after a backoff.
            this.state.batches.splice(this.state.batches.indexOf(saved), 1);
            this.waiting += saved.indices.length;
            await this.save();
            queue.push(saved.indices);
            backoff = Math.min(backoff === 0 ? pollInterval : backoff * 2, MAX_ENQUEUE_BACKOFF_MS);
            notBefore = this.now() + backoff;
            continue;
          }
          await this.collect(saved, status);
          notBefore = 0; // room may have freed up
          backoff = 0;
        }
      }
    } catch (error) {
      if (signal?.aborted === true) await this.cancelRound(round);
      throw error;
    }
  }

  /** Cancels the round's running batches and reads what they return. */
  private async cancelRound(round: number): Promise<void> {
    const pollInterval = this.options.pollInterval ?? DEFAULT_POLL_INTERVAL_MS;
    const active = this.batchesOf(round).filter((saved) => !saved.ended);
    for (const saved of active) this.live.set(saved.id, await this.call(this.batch.cancel(saved.id), false));
    for (const saved of active) {
      let status = this.live.get(saved.id)!;
      while (status.phase !== 'ended') {
        this.report();
        await pause(pollInterval, undefined);
        status = await this.call(this.batch.retrieve(saved.id), false);
        this.live.set(saved.id, status);
      }
      await this.collect(saved, status, false);
    }
    this.report();
  }

  /** Reads an ended batch's results into `results`; items it returned nothing for get their batch's outcome. */
  private async collect(saved: SavedBatch, status: BatchStatus, abortable = true): Promise<void> {
    this.live.set(saved.id, status);
    const positions = new Map(saved.indices.map((index, position) => [index, position]));
    const seen = new Set<number>();
    if (status.outcome !== 'failed') {
      await this.call(
        this.batch.results(status, (customId) => {
          const index = indexOf(customId, saved.round);
          return index === undefined ? undefined : this.requests[index];
        }).pipe(
          tap((item) => {
            const index = indexOf(item.customId, saved.round);
            if (index === undefined || !positions.has(index)) return;
            seen.add(index);
            this.apply(index, item);
          }),
        ),
        abortable,
        true,
      );
    }
    for (const index of saved.indices) {
      if (seen.has(index)) continue;
      if (status.outcome === 'failed') this.fail(index, failureFor(status, positions.get(index)!, this.model.provider.id));
      else this.apply(index, { customId: customIdOf(index, saved.round), kind: status.outcome === 'cancelled' ? 'cancelled' : 'expired' });
    }
    if (!saved.ended) {
      saved.ended = true;
      await this.save();
    }
  }

  private apply(index: number, item: BatchItemResult): void {
    this.kinds[index] = item.kind;
    const provider = this.model.provider.id;
    switch (item.kind) {
      case 'succeeded':
        this.results[index] = withCost(item.response, this.model.id, this.options.prices);
        return;
      case 'errored':
        this.results[index] = item.error;
        return;
      case 'expired':
        this.results[index] = new LlmError(`${provider}: the batch expired (24 h) before this prompt ran.`, { provider, code: 'batch_expired', retryable: true });
        return;
      case 'cancelled':
        this.results[index] = null;
    }
  }

  private fail(index: number, error: LlmError): void {
    this.kinds[index] = 'failed';
    this.results[index] = error;
  }

  private report(): void {
    const { onProgress } = this.options;
    if (onProgress === undefined) return;
    const progress: BatchJobProgress = {
      total: this.lines.length,
      collected: this.kinds.filter((kind) => kind !== undefined).length,
      waiting: this.waiting,
      batches: this.state.batches.map((saved) => {
        const status = this.live.get(saved.id);
        return {
          id: saved.id,
          round: saved.round,
          phase: status?.phase ?? (saved.ended ? 'ended' : 'validating'),
          ...(status?.outcome === undefined ? {} : { outcome: status.outcome }),
          requests: saved.indices.length,
          completed: status?.counts.completed ?? 0,
          failed: status?.counts.failed ?? 0,
        };
      }),
    };
    onProgress(progress);
  }

  /**
   * Creates one provider batch, retried like a chat request. An abort stops the waits between attempts but never an
   * attempt in flight: the server may already have created the batch, and its id must be saved to be cancelled.
   */
  private create(lines: readonly string[]): Promise<BatchStatus> {
    const { signal } = this.options;
    let inFlight = false;
    const attempt = defer(() => {
      inFlight = true;
      return this.batch.create(lines);
    }).pipe(finalize(() => (inFlight = false)));
    const stopped = signal === undefined ? NEVER : fromEvent(signal, 'abort').pipe(filter(() => !inFlight));
    const onRetry = (): void => signal?.throwIfAborted();
    return lastValueFrom(attempt.pipe(retryWithBackoff({ ...this.model.retry, onRetry }), takeUntil(stopped))).catch((error: unknown) => {
      throw signal?.aborted === true ? signal.reason : toLlmError(error);
    });
  }

  /** One provider call, retried like a chat request; abortable by the job's signal unless cancelling. */
  private call<T>(source: Observable<T>, abortable = true, many = false): Promise<T> {
    const retried = defer(() => source).pipe(retryWithBackoff(this.model.retry));
    return settle(retried, abortable ? this.options.signal : undefined).then(
      (value) => value,
      (error: unknown) => {
        if (many && (error as Error | undefined)?.name === 'EmptyError') return undefined as T; // a batch with no result files
        throw this.options.signal?.aborted === true && abortable ? error : toLlmError(error);
      },
    );
  }

  private async save(): Promise<void> {
    if (this.options.statePath !== undefined) await writeBatchState(this.options.statePath, this.state);
  }

  private batchesOf(round: number): SavedBatch[] {
    return this.state.batches.filter((saved) => saved.round === round);
  }

  private indicesOf(round: number): number[] {
    return this.batchesOf(round).flatMap((saved) => saved.indices);
  }

  private now(): number {
    return asyncScheduler.now();
  }
}

function wanted(kind: BatchItemResult['kind'] | 'failed' | undefined, resubmit: BatchResubmit): boolean {
  if (kind === 'expired') return resubmit === 'expired' || resubmit === 'both';
  if (kind === 'errored' || kind === 'failed') return resubmit === 'failed' || resubmit === 'both';
  return false;
}

function failureFor(status: BatchStatus, position: number, provider: string): LlmError {
  const failure = status.failure;
  const line = failure?.lines.find((error) => error.line === position + 1);
  const message = line === undefined ? (failure?.message ?? 'the batch failed') : `line ${position + 1}: ${line.message}`;
  return new LlmError(`${provider}: batch ${status.id} failed validation: ${message}`, { provider, code: line?.code ?? 'batch_failed' });
}

function withCost(response: ChatResponse, modelId: string, prices: PriceTable | undefined): ChatResponse {
  const price = priceOf(modelId, prices);
  return price === undefined ? response : { ...response, cost: priceUsage(price, response.usage, 'batch') };
}

/**
 * The `custom_id` of the prompt at `index` in resubmission round `round`: letters, digits and `-` only (Anthropic
 * allows `^[a-zA-Z0-9_-]{1,64}$`). The round is part of it so that a resubmitted item is a new request to the provider.
 */
export function customIdOf(index: number, round: number): string {
  return round === 0 ? `rxllm-${index}` : `rxllm-${index}-r${round}`;
}

function indexOf(customId: string, round: number): number | undefined {
  const match = /^rxllm-(\d+)(?:-r(\d+))?$/.exec(customId);
  if (match === null || Number(match[2] ?? 0) !== round) return undefined;
  return Number(match[1]);
}

function sizesOf(lines: readonly string[]): number[] {
  return lines.map((line) => Buffer.byteLength(line) + 1);
}
