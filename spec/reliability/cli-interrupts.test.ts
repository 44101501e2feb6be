import { describe, expect, it } from 'vitest';
import { completeLines, resultRecords, useCliHarness, waitFor } from '../cli/support/cli-harness.js';
import { createSeededRandom } from '../../src/mock-server/create-seeded-random.js';

// Ctrl-C on `rxllm run` at random moments (seeded), against the built-in mock server with faults: the run stops
// submitting, lets what is in flight finish (or aborts it when the grace runs out), exits 130, and the resume
// finishes the job with every id exactly once.

const h = useCliHarness();

function writePrompts(total: number): Promise<string> {
  return h.writeFile('prompts.jsonl', Array.from({ length: total }, (_, i) => `${JSON.stringify({ id: `q${i}`, prompt: `interrupt prompt ${i}` })}\n`).join(''));
}

function expectEveryIdOnce(output: string, total: number): void {
  const ids = resultRecords(output).map((record) => String(record.id));
  expect(ids).toHaveLength(total);
  expect(new Set(ids).size).toBe(total);
}

describe('Ctrl-C on rxllm run at random moments', () => {
  it('stops submitting, lets the requests in flight finish (none aborted, none lost), exits 130; resuming finishes with every id once', async () => {
    const total = 400;
    const server = await h.startMock({ latencyMs: [20, 120], seed: 5, faults: { '500': 0.04, '429': 0.02 }, faultRetryAfterMs: 10 });
    const input = await writePrompts(total);
    const output = h.path('results.jsonl');
    const args = ['run', input, '-o', output, '--model', 'openai/m', '--base-url', server.openaiBaseURL, '--rpm', '100000', '--max-active', '16', '--grace', '20', '--max-retries', '1'];
    const next = createSeededRandom(2_718);

    for (let cycle = 0; cycle < 3; cycle += 1) {
      const before = completeLines(output).length;
      const at = before + 5 + Math.floor(next() * 60);
      const run = h.start(args);
      await waitFor(() => completeLines(output).length >= at || run.child.exitCode !== null, `${at} result lines`);
      run.child.kill('SIGINT');
      const { code } = await run.exited;
      if (completeLines(output).length === total) break; // finished before the signal landed
      expect(code, run.stderr()).toBe(130);
      expect(run.stderr()).toContain('rxllm: to resume, run:');
      // Graceful: what the server saw is exactly what was recorded, nothing aborted.
      const stats = server.stats();
      expect(stats.aborted).toBe(0);
      expect(new Set(resultRecords(output).map((record) => record.id)).size).toBe(completeLines(output).length);
      await waitFor(() => server.stats().openSockets === 0, 'the server to see every socket close');
    }

    const resumed = await h.run(args);
    expect([0, 1]).toContain(resumed.code);
    expectEveryIdOnce(output, total);
    // Graceful interrupts re-send nothing: every prompt was answered at most once.
    expect(server.stats().duplicates).toBe(0);
  }, 120_000);

  it('when the grace runs out, aborts the requests in flight, records none of them, and the resume sends them again', async () => {
    const total = 120;
    const server = await h.startMock({ latencyMs: [5, 20], seed: 9, faults: { hang: 0.15 } });
    const input = await writePrompts(total);
    const output = h.path('results.jsonl');
    const args = ['run', input, '-o', output, '--model', 'openai/m', '--base-url', server.openaiBaseURL, '--rpm', '100000', '--max-active', '8'];

    const run = h.start([...args, '--timeout', '60', '--grace', '0.3']);
    // Hanging requests pile up in the slots: wait until some are in flight and some results are written.
    await waitFor(() => (server.stats().faults.hang ?? 0) >= 2 && completeLines(output).length >= 5, 'results and hanging requests');
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code).toBe(130);
    await waitFor(() => server.stats().openSockets === 0, 'the server to see every socket close');
    const stats = server.stats();
    // Exactly the hanging requests were aborted when the grace ran out; the others finished and were recorded.
    expect(stats.aborted).toBeGreaterThan(0);
    expect(stats.aborted).toBe(stats.faults.hang ?? 0);
    const recorded = completeLines(output).length;
    expect(recorded).toBeLessThan(total);
    // Every request the server saw either became a line or was aborted at the end of the grace.
    expect(stats.requests).toBe(recorded + stats.aborted);

    const resumed = await h.run([...args, '--timeout', '1']); // hangs now time out quickly
    expect([0, 1]).toContain(resumed.code);
    expectEveryIdOnce(output, total);
  }, 120_000);
});
