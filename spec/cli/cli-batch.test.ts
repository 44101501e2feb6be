import { existsSync, readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { promptLines, resultRecords, useCliHarness, waitFor } from './support/cli-harness.js';

// `rxllm batch` as a child process against the mock server's Batch APIs (in this process, its batch clock moved by
// the test): a job run to its end, `--status`, and a resume after kill -9 between submission and collection.

const h = useCliHarness();
let now = 1_765_000_000_000;
beforeEach(() => {
  now = 1_765_000_000_000;
});

async function batchIds(): Promise<string[]> {
  const response = await fetch(`${h.server.openaiBaseURL}/batches?limit=100`);
  return ((await response.json()) as { data: { id: string }[] }).data.map((batch) => batch.id);
}

async function batchStatuses(): Promise<string[]> {
  const response = await fetch(`${h.server.openaiBaseURL}/batches?limit=100`);
  return ((await response.json()) as { data: { status: string }[] }).data.map((batch) => batch.status);
}

describe('rxllm batch', () => {
  it('runs a job to its end: every prompt answered once, in the rxllm run result format, state kept beside the output', async () => {
    const server = await h.startMock({ batchDelayMs: 0, clock: () => now });
    const input = await h.writeFile('prompts.jsonl', promptLines(6));
    const output = h.path('results.jsonl');
    const args = ['batch', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--batch-api', '--poll-interval', '20ms'];
    const { code, stderr } = await h.run(args);
    expect(code, stderr).toBe(0);
    const records = resultRecords(output);
    expect(records).toHaveLength(6);
    expect(records.every((record) => record.ok)).toBe(true);
    expect(records.map((record) => record.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(existsSync(`${output}.batch-state.json`)).toBe(true);
    expect(stderr).toMatch(/batches submitted/);
  });

  it('answers Anthropic models through Message Batches', async () => {
    const server = await h.startMock({ batchDelayMs: 0, clock: () => now });
    const input = await h.writeFile('prompts.jsonl', promptLines(3));
    const output = h.path('results.jsonl');
    const args = ['batch', input, '-o', output, '--model', 'anthropic/claude-haiku-4-5', '--base-url', server.anthropicBaseURL, '--batch-api', '--poll-interval', '20ms'];
    const { code, stderr } = await h.run(args, { env: { ANTHROPIC_API_KEY: 'sk-ant-mock' } });
    expect(code, stderr).toBe(0);
    expect(resultRecords(output).filter((record) => record.ok)).toHaveLength(3);
  });

  it('refuses a model without a Batch API (a compatible server without --batch-api), naming the flag', async () => {
    const server = await h.startMock({ batchDelayMs: 0, clock: () => now });
    const input = await h.writeFile('prompts.jsonl', promptLines(1));
    const { code, stderr } = await h.run(['batch', input, '-o', h.path('out.jsonl'), '--model', 'openai/m', '--base-url', server.openaiBaseURL]);
    expect(code).toBe(64);
    expect(stderr).toMatch(/--batch-api/);
    expect(await batchIds()).toHaveLength(0);
  });

  it('splits a job into several batches with --max-batch-requests (the mock serving --batch-max-requests 2)', async () => {
    const server = await h.startMock({ batchDelayMs: 0, batchMaxRequests: 2, clock: () => now });
    const input = await h.writeFile('prompts.jsonl', promptLines(5));
    const output = h.path('results.jsonl');
    const args = ['batch', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--batch-api', '--poll-interval', '20ms'];
    const { code, stderr } = await h.run([...args, '--max-batch-requests', '2']);
    expect(code, stderr).toBe(0);
    expect(await batchIds()).toHaveLength(3);
    expect(stderr).toMatch(/3 batches submitted/);
    expect(resultRecords(output).filter((record) => record.ok).map((record) => record.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('Ctrl-C (SIGINT) cancels the provider batch, writes the results it returned, and exits 130', async () => {
    const server = await h.startMock({ batchDelayMs: 10_000, clock: () => now });
    const input = await h.writeFile('prompts.jsonl', promptLines(10));
    const output = h.path('results.jsonl');
    const statePath = `${output}.batch-state.json`;
    const args = ['batch', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--batch-api', '--poll-interval', '20ms'];
    const run = h.start(args);
    await waitFor(() => existsSync(statePath) && readFileSync(statePath, 'utf8').includes('"batches":[{'), 'the batch id in the state file');
    now += 6_000; // part of the batch has been answered
    run.child.kill('SIGINT');
    // The mock settles a cancel a tenth of the batch delay after it: once the batch is cancelling, move its clock on.
    while ((await batchStatuses())[0] !== 'cancelling') await new Promise((resolve) => setImmediate(resolve));
    now += 2_000;
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(130);
    expect(await batchStatuses()).toEqual(['cancelled']);
    const records = resultRecords(output);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(10);
    expect(records.every((record) => record.ok)).toBe(true);
    expect(new Set(records.map((record) => record.index)).size).toBe(records.length);
  });

  it('resumes after kill -9 between submission and collection: the same batch, never a second one; --status reports it without waiting', async () => {
    const server = await h.startMock({ batchDelayMs: 10_000, clock: () => now });
    const input = await h.writeFile('prompts.jsonl', promptLines(5));
    const output = h.path('results.jsonl');
    const statePath = `${output}.batch-state.json`;
    const args = ['batch', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--batch-api', '--poll-interval', '20ms'];
    const first = h.start(args);
    await waitFor(() => existsSync(statePath) && readFileSync(statePath, 'utf8').includes('"batches":[{'), 'the batch id in the state file');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await batchIds()).toHaveLength(1);
    expect(existsSync(output)).toBe(false);

    const status = await h.run([...args, '--status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/1 batches submitted/);
    expect(status.stdout).toMatch(/\(round 0\): (validating|in_progress)/);

    now += 20_000; // the batch has ended
    const { code, stderr } = await h.run(args);
    expect(code, stderr).toBe(0);
    expect(await batchIds()).toHaveLength(1);
    expect(resultRecords(output).filter((record) => record.ok)).toHaveLength(5);
  });
  it('resumes after kill -9 during collection: round 0 collected, its failures resubmitted, killed; the resume re-reads and follows, creating nothing', async () => {
    const server = await h.startMock({ batchDelayMs: 10_000, batchErrorRate: 0.5, seed: 7, clock: () => now });
    const input = await h.writeFile('prompts.jsonl', promptLines(6));
    const output = h.path('results.jsonl');
    const statePath = `${output}.batch-state.json`;
    const args = ['batch', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--batch-api'];
    const jobArgs = [...args, '--poll-interval', '20ms', '--resubmit', 'failed', '--resubmit-rounds', '1'];
    const first = h.start(jobArgs);
    const state = () => (existsSync(statePath) ? readFileSync(statePath, 'utf8') : '');
    await waitFor(() => state().includes('"round":0'), 'the first batch id in the state file');
    now += 20_000; // round 0 ends: the process collects it and resubmits the items that came back errored
    await waitFor(() => state().includes('"round":1'), 'the resubmitted batch in the state file');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await batchIds()).toHaveLength(2);

    now += 20_000; // round 1 ends too
    const { stderr } = await h.run(jobArgs);
    expect(await batchIds(), stderr).toHaveLength(2); // nothing submitted again
    const records = resultRecords(output);
    expect(records.map((record) => record.index).sort((a, b) => Number(a) - Number(b))).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
