import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchChat, type BatchJobProgress, InvalidOptionsError, isLlmError, openai } from '../../src/index.js';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';

// Resuming a batch job from its state file (same process, a second call): the same provider batches are followed,
// none is created twice, and a state file of another job is refused naming what changed.

let server: MockServer | undefined;
let dir: string;
let now = 1_765_000_000_000;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rxllm-batch-'));
  now = 1_765_000_000_000;
  server = await startMockServer({ batchDelayMs: 10_000, clock: () => now });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const modelNamed = (model: string) => openai({ model, baseURL: server!.openaiBaseURL, apiKey: 'sk-mock', batchApi: true, maxRetries: 0 });
const prompts = Array.from({ length: 5 }, (_, index) => `Question ${index}?`);
const tick = () => {
  now += 4_000;
};

async function batchIds(): Promise<string[]> {
  const response = await fetch(`${server!.openaiBaseURL}/batches?limit=100`, { headers: { authorization: 'Bearer sk-mock' } });
  const body = (await response.json()) as { data: { id: string }[] };
  return body.data.map((batch) => batch.id);
}

/** Runs the job until it has created its batches, then "crashes" (the progress callback throws). */
async function crashAfterSubmission(statePath: string): Promise<void> {
  const crash = new Error('crash');
  const onProgress = (progress: BatchJobProgress) => {
    if (progress.batches.length === 2) throw crash;
  };
  await expect(batchChat(modelNamed('gpt-4o-mini'), prompts, { statePath, pollInterval: 1, batchLimits: { maxRequests: 3 }, onProgress })).rejects.toBe(crash);
}

describe('batchChat with statePath', () => {
  it('saves each batch id as soon as it exists, and a second run follows the same batches instead of paying twice', async () => {
    const statePath = join(dir, 'job.batch-state.json');
    await crashAfterSubmission(statePath);
    const created = await batchIds();
    expect(created).toHaveLength(2);
    const saved = JSON.parse(await readFile(statePath, 'utf8')) as { batches: { id: string }[] };
    expect(saved.batches.map((batch) => batch.id).sort()).toEqual([...created].sort());

    const results = await batchChat(modelNamed('gpt-4o-mini'), prompts, { statePath, pollInterval: 1, batchLimits: { maxRequests: 3 }, onProgress: tick });
    expect(await batchIds()).toHaveLength(2);
    expect(results.every((result) => result !== null && !isLlmError(result))).toBe(true);
  });

  it('reads an ended job again from its batches, sending nothing new', async () => {
    const statePath = join(dir, 'job.batch-state.json');
    const first = await batchChat(modelNamed('gpt-4o-mini'), prompts, { statePath, pollInterval: 1, onProgress: tick });
    const again = await batchChat(modelNamed('gpt-4o-mini'), prompts, { statePath, pollInterval: 1, onProgress: tick });
    expect(await batchIds()).toHaveLength(1);
    expect(again.map((result) => (result === null || isLlmError(result) ? result : result.text))).toEqual(
      first.map((result) => (result === null || isLlmError(result) ? result : result.text)),
    );
  });

  it('refuses the state file of another job, naming what changed, before anything is sent', async () => {
    const statePath = join(dir, 'job.batch-state.json');
    await crashAfterSubmission(statePath);
    const requestsBefore = server!.stats().requests;
    const run = (model: string, list: string[], params = {}) => batchChat(modelNamed(model), list, { statePath, params });
    await expect(run('gpt-4o-mini', [...prompts.slice(0, 4), 'Another?'])).rejects.toThrow(/the prompt list changed/);
    await expect(run('gpt-4o-mini', prompts.slice(0, 4))).rejects.toThrow(/the prompt list \(5 prompts saved, 4 now\) changed/);
    await expect(run('gpt-4o', prompts)).rejects.toThrow(/the model changed/);
    await expect(run('gpt-4o-mini', prompts, { temperature: 0 })).rejects.toThrow(InvalidOptionsError);
    await expect(run('gpt-4o-mini', prompts, { temperature: 0 })).rejects.toThrow(/the params changed/);
    expect(server!.stats().requests).toBe(requestsBefore);
  });

  it('refuses a file that is not a state file, and leaves it alone', async () => {
    const statePath = join(dir, 'notes.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(statePath, '{"hello":1}'));
    await expect(batchChat(modelNamed('gpt-4o-mini'), prompts, { statePath })).rejects.toThrow(/not a batch state file/);
    expect(await readFile(statePath, 'utf8')).toBe('{"hello":1}');
  });
});
