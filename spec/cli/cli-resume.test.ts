import { spawn } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/bundle-sources.js';
import { completeLines, promptLines, resultRecords, useCliHarness, waitFor } from './support/cli-harness.js';

const h = useCliHarness();

/** Ids that appear more than once in the results file. */
function duplicateIds(output: string): unknown[] {
  const seen = new Set<unknown>();
  const duplicates: unknown[] = [];
  for (const record of resultRecords(output)) {
    if (seen.has(record.id)) duplicates.push(record.id);
    seen.add(record.id);
  }
  return duplicates;
}

describe('resume (child process, against the mock server)', () => {
  it('after kill -9 at a random point, resumes with no id lost or duplicated and at most maxActive prompts sent again', async () => {
    const total = 80;
    const maxActive = 4;
    const server = await h.startMock({ latencyMs: [10, 60], seed: Date.now() % 1000 });
    const input = await h.writeFile('prompts.jsonl', promptLines(total));
    const output = h.path('results.jsonl');
    const args = h.runArgs(input, output, ['--max-active', String(maxActive)]);

    const killAt = 5 + Math.floor(Math.random() * 35); // leaves at least 40 prompts to go when the kill lands
    const first = h.start(args);
    await waitFor(() => completeLines(output).length >= killAt, `${killAt} result lines`);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const beforeResume = completeLines(output).length;
    expect(beforeResume).toBeLessThan(total);
    // Simulate a write torn by the kill: half a line at the end of the file.
    await appendFile(output, '{"id":"line-');

    const resumed = await h.run(args);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('removed a torn last line (12 bytes)');
    expect(resumed.stderr).toMatch(new RegExp(`resuming: ${beforeResume} ok and 0 failed already in`));

    const records = resultRecords(output);
    expect(duplicateIds(output)).toEqual([]);
    expect(records.map((record) => record.id).sort()).toEqual(Array.from({ length: total }, (_, i) => `line-${i + 1}`).sort());
    // The server's own count: only the requests in flight at the kill were sent twice.
    const stats = server.stats({ deliveries: true });
    const sentTwice = Object.values(stats.deliveries ?? {}).filter((count) => count > 1).length;
    expect(sentTwice).toBeLessThanOrEqual(maxActive);
    expect(stats.requests).toBeLessThanOrEqual(total + maxActive);
  });

  it('on Ctrl-C stops submitting, lets the requests in flight finish, prints the exact resume command and exits 130', async () => {
    const total = 24;
    const server = await h.startMock({ latencyMs: 400 });
    const input = await h.writeFile('prompts.jsonl', promptLines(total));
    const output = h.path('results.jsonl');

    const run = h.start(h.runArgs(input, output, ['--max-active', '4', '--grace', '20']));
    await waitFor(() => completeLines(output).length >= 4 && server.stats().inFlight > 0, 'a first batch of results and more in flight');
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(run.stderr()).toMatch(/rxllm: Ctrl-C: sending nothing new; waiting up to 20s for \d requests? in flight \(Ctrl-C again to abort now\)/);

    // Nothing lost: every request the server saw is in the results file, none aborted.
    const stats = server.stats();
    const lines = completeLines(output).length;
    expect(lines).toBeLessThan(total);
    expect(stats.requests).toBe(lines);
    expect(stats.aborted).toBe(0);
    expect(duplicateIds(output)).toEqual([]);

    // The printed command resumes the run, as printed.
    const hint = /rxllm: to resume, run: (.+)\n/.exec(run.stderr())?.[1];
    expect(hint).toBeDefined();
    expect(hint).toContain(`run ${input} -o ${output}`);
    const resumed = spawn('sh', ['-c', hint!], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const resumedCode = await new Promise<number | null>((resolveExit) => resumed.once('close', resolveExit));
    expect(resumedCode).toBe(0);
    expect(resultRecords(output)).toHaveLength(total);
    expect(duplicateIds(output)).toEqual([]);
    expect(server.stats().requests).toBe(total);
  });

  it('a second Ctrl-C aborts the requests in flight at once, recording none of them', async () => {
    const server = await h.startMock({ latencyMs: 60_000 });
    const input = await h.writeFile('prompts.jsonl', promptLines(10));
    const output = h.path('results.jsonl');

    const run = h.start(h.runArgs(input, output, ['--max-active', '3', '--grace', '60']));
    await waitFor(() => server.stats().inFlight === 3, 'three requests in flight');
    run.child.kill('SIGINT');
    await waitFor(() => run.stderr().includes('sending nothing new'), 'the first Ctrl-C to be acknowledged');
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    expect(run.stderr()).toContain('rxllm: aborting the requests in flight');
    expect(run.stderr()).toContain('rxllm: to resume, run:');
    expect(completeLines(output)).toEqual([]);
    await waitFor(() => server.stats().inFlight === 0, 'the server to see the sockets close');
    expect(server.stats().requests).toBe(3);
  });
});
