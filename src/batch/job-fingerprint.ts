import { createHash } from 'node:crypto';

/** What identifies a batch job: hashes of its model, its prompts and its parameters, and the number of prompts. */
export interface JobFingerprint {
  model: string;
  prompts: string;
  params: string;
  /** Hash of the distinct params, compared instead of `params` when the number of prompts changed. */
  paramsSet: string;
  count: number;
}

/**
 * Hashes a job's model id, prompts (messages in order) and parameters separately, so that a resumed job can say
 * which of them changed.
 *
 * @param modelId - `provider/model`.
 * @param requests - Each prompt's resolved messages and params.
 * @returns The fingerprint.
 *
 * @example
 * ```ts
 * jobFingerprint('openai/gpt-4o-mini', [{ messages: [{ role: 'user', content: 'Hi' }], params: {} }]).count; // 1
 * ```
 */
export function jobFingerprint(modelId: string, requests: readonly { messages: unknown; params: unknown }[]): JobFingerprint {
  const prompts = createHash('sha256');
  const params = createHash('sha256');
  const distinct = new Set<string>();
  for (const request of requests) {
    const paramsJson = JSON.stringify(request.params ?? {});
    prompts.update(JSON.stringify(request.messages)).update('\n');
    params.update(paramsJson).update('\n');
    distinct.add(paramsJson);
  }
  return {
    model: createHash('sha256').update(modelId).digest('hex'),
    prompts: prompts.digest('hex'),
    params: params.digest('hex'),
    paramsSet: createHash('sha256').update([...distinct].sort().join('\n')).digest('hex'),
    count: requests.length,
  };
}

/**
 * Names what differs between a saved job and this one (`the model`, `the prompt list`, `the params`), or `undefined`
 * when they are the same job.
 *
 * @example
 * ```ts
 * changedParts(saved, current); // e.g. 'the prompt list and the params'
 * ```
 */
export function changedParts(saved: JobFingerprint, current: JobFingerprint): string | undefined {
  const parts: string[] = [];
  if (saved.model !== current.model) parts.push('the model');
  if (saved.prompts !== current.prompts || saved.count !== current.count) parts.push(saved.count === current.count ? 'the prompt list' : `the prompt list (${saved.count} prompts saved, ${current.count} now)`);
  if (saved.count === current.count ? saved.params !== current.params : saved.paramsSet !== current.paramsSet) parts.push('the params');
  return parts.length === 0 ? undefined : parts.join(' and ');
}
