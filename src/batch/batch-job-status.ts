import { lastValueFrom } from 'rxjs';
import { InvalidOptionsError } from '../errors/llm-error.js';
import type { ChatModel } from '../model/chat-provider.js';
import type { BatchJobProgress } from './batch-chat-options.js';
import { readBatchState } from './batch-state.js';

/**
 * Where a batch job stands, without waiting: reads its state file and asks the provider once for each batch that
 * has not ended. `undefined` when there is no state file (nothing was submitted). Sends no prompt.
 *
 * @param model - The job's model (its provider is asked).
 * @param statePath - The job's state file (`batchChat`'s `statePath`).
 * @returns The job's progress, or `undefined`.
 *
 * @example
 * ```ts
 * import { batchJobStatus, openai } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini', baseURL: process.env.BASE_URL, batchApi: true });
 * const status = await batchJobStatus(model, 'job.batch-state.json');
 * console.log(status?.batches.map((batch) => `${batch.id}: ${batch.phase} ${batch.completed}/${batch.requests}`));
 * ```
 */
export async function batchJobStatus(model: ChatModel, statePath: string): Promise<BatchJobProgress | undefined> {
  const batch = model.provider.batch;
  if (batch === undefined) throw new InvalidOptionsError(`batchJobStatus: ${model.id} has no batch API.`);
  const state = await readBatchState(statePath);
  if (state === undefined) return undefined;
  const batches: BatchJobProgress['batches'] = [];
  for (const saved of state.batches) {
    const status = await lastValueFrom(batch.retrieve(saved.id));
    batches.push({
      id: saved.id,
      round: saved.round,
      phase: status.phase,
      ...(status.outcome === undefined ? {} : { outcome: status.outcome }),
      requests: saved.indices.length,
      completed: status.counts.completed,
      failed: status.counts.failed,
    });
  }
  const submitted = new Set(state.batches.filter((saved) => saved.round === 0).flatMap((saved) => saved.indices));
  return {
    total: state.fingerprint.count,
    collected: new Set(state.batches.filter((saved) => saved.ended).flatMap((saved) => saved.indices)).size,
    waiting: state.fingerprint.count - submitted.size,
    batches,
  };
}
