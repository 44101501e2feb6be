import { describe, expect, it } from 'vitest';
import { completeLines, promptLines, resultRecords, useCliHarness, waitFor } from './support/cli-harness.js';

const h = useCliHarness();

/** A ceiling that catches a hang (the grace period is 60 s), not a timing assertion. */
const HANG_CEILING_MS = 20_000;

describe('SIGTERM with prompts waiting for a limiter turn (child process, against the mock server)', () => {
  it('exits without waiting the grace period for prompts never sent, records nothing for them, and a resume finishes every id', async () => {
    const total = 5;
    const server = await h.startMock();
    const input = await h.writeFile('prompts.jsonl', promptLines(total));
    const output = h.path('results.jsonl');
    const base = ['run', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--max-active', '4'];

    // --rpm 1: the first prompt goes at once, the others wait about a minute each for a turn.
    const first = h.start([...base, '--rpm', '1', '--grace', '60']);
    await waitFor(() => completeLines(output).length >= 1, 'the first result line');
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await Promise.race([
      first.exited,
      new Promise<'hang'>((resolveHang) => setTimeout(() => resolveHang('hang'), HANG_CEILING_MS).unref()),
    ]);
    if (exit === 'hang') first.child.kill('SIGKILL');
    expect(exit, `still running ${Date.now() - signalledAt} ms after SIGTERM; stderr: ${first.stderr()}`).not.toBe('hang');
    const sentIds = resultRecords(output).map((record) => record.id);
    expect(sentIds.length).toBeLessThan(total); // the waiting prompts were recorded as nothing
    expect(resultRecords(output).every((record) => record.ok)).toBe(true);

    const resumed = await h.run([...base, '--rpm', '100000']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const ids = resultRecords(output).map((record) => record.id);
    expect(new Set(ids).size).toBe(total);
    expect(ids.length).toBe(total);
  }, 60_000);

  it('still waits for the request in flight and records its result, then ends the prompts never sent at once', async () => {
    const total = 5;
    const server = await h.startMock({ latencyMs: 1500 });
    const input = await h.writeFile('prompts.jsonl', promptLines(total));
    const output = h.path('results.jsonl');
    const base = ['run', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--max-active', '4'];

    const first = h.start([...base, '--rpm', '1', '--grace', '60']);
    await waitFor(() => server.stats().requests >= 1, 'the first request at the server');
    first.child.kill('SIGTERM'); // while the first request is in flight, the others waiting for a turn
    const exit = await Promise.race([
      first.exited,
      new Promise<'hang'>((resolveHang) => setTimeout(() => resolveHang('hang'), HANG_CEILING_MS).unref()),
    ]);
    if (exit === 'hang') first.child.kill('SIGKILL');
    expect(exit, first.stderr()).not.toBe('hang');
    expect(server.stats().requests).toBe(1); // nothing new was sent after the signal
    expect(resultRecords(output).map((record) => record.ok), first.stderr()).toEqual([true]); // the paid answer is kept

    const resumed = await h.run([...base, '--rpm', '100000']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(new Set(resultRecords(output).map((record) => record.id)).size).toBe(total);
    expect(server.stats().requests).toBe(total);
  }, 60_000);
});
