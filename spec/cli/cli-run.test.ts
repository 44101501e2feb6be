import { chmod } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { promptLines, resultRecords, useCliHarness } from './support/cli-harness.js';

const h = useCliHarness();
const promptsFile = (text: string, name = 'prompts.jsonl') => h.writeFile(name, text);

describe('rxllm run (child process, against the mock server)', () => {
  it('answers every prompt once, writes one line per id, prints progress lines and a summary, exits 0', async () => {
    const server = await h.startMock({ latencyMs: [5, 40] });
    const input = await promptsFile(
      promptLines(118) + '{"id":"custom","prompt":"Custom question","meta":{"row":1}}\n\n{"id":7,"messages":[{"role":"user","content":"Numeric id"}],"params":{"maxTokens":4}}\n',
    );
    const output = h.path('results.jsonl');
    const result = await h.run(h.runArgs(input, output, ['--max-active', '8', '--progress-interval', '0.05']));

    expect(result.stderr).not.toMatch(/\x1b\[/); // no terminal escapes when stderr is not a TTY
    expect(result.code).toBe(0);
    const records = resultRecords(output);
    expect(records).toHaveLength(120);
    const ids = records.map((record) => record.id);
    expect(new Set(ids).size).toBe(120);
    expect(ids).toContain('line-1');
    expect(ids).toContain('custom');
    expect(ids).toContain(7);
    expect(records.every((record) => record.ok)).toBe(true);

    const first = records.find((record) => record.id === 'line-1')!;
    expect(first).toEqual({
      id: 'line-1',
      index: 0,
      ok: true,
      text: expect.stringMatching(/^Re: Question 1: what is 0 \+ 0\?/),
      finishReason: 'stop',
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number), cachedInputTokens: 0, reasoningTokens: 0 },
      model: 'gpt-4o-mini',
      attempts: 1,
      latencyMs: expect.any(Number),
      queuedMs: expect.any(Number),
    });
    expect(records.find((record) => record.id === 'custom')).toMatchObject({ index: 118, meta: { row: 1 } });
    expect(records.find((record) => record.id === 7)).toMatchObject({ index: 120, finishReason: 'length', usage: { outputTokens: 4 } });

    // The server saw each prompt exactly once.
    const stats = server.stats();
    expect(stats.requests).toBe(120);
    expect(stats.duplicates).toBe(0);
    expect(stats.maxInFlight).toBeLessThanOrEqual(8);

    const lines = result.stderr.split('\n');
    expect(lines.some((line) => /^rxllm: \d+\/120 \(\d+\.\d%\) \| ok \d+ \| failed 0 \| in flight \d+ \| \d+ rpm \| [\d.]+k? tokens/.test(line))).toBe(true);
    expect(result.stderr).toMatch(/rxllm: finished in [\d.]+m?s: 120 prompts this run, 120 ok, 0 failed\n/);
    expect(result.stderr).toMatch(/ {2}tokens [\d,]+ in \+ [\d,]+ out · cost \$[\d.]+\n/);
    expect(result.stderr).toMatch(/ {2}in flight p50 \d+ms · p95 \d+ms · queued \(rate limit\) p50 \d+ms · p95 \d+ms · [\d,]+ prompts\/min\n/);
    expect(result.stdout).toBe('');
  });

  it('prints the cached part of the input tokens in the summary, summed over the answers', async () => {
    await h.startMock({ cachedInputShare: 0.75 });
    const input = await promptsFile(promptLines(12));
    const output = h.path('results.jsonl');
    const result = await h.run(h.runArgs(input, output));
    expect(result.code).toBe(0);
    const usages = resultRecords(output).map((record) => record.usage as { inputTokens: number; cachedInputTokens: number });
    const sum = (pick: (usage: { inputTokens: number; cachedInputTokens: number }) => number) => usages.reduce((total, usage) => total + pick(usage), 0);
    const cached = sum((usage) => usage.cachedInputTokens);
    expect(cached).toBeGreaterThan(0);
    const count = (n: number) => n.toLocaleString('en-US');
    expect(result.stderr).toContain(`  tokens ${count(sum((usage) => usage.inputTokens))} in (${count(cached)} cached) + `);
  });

  it('records failures as error lines and exits 1, with the --retry-failed hint', async () => {
    const server = await h.startMock({ faults: { '400': 0.3 }, seed: 7 });
    const input = await promptsFile(promptLines(40));
    const output = h.path('results.jsonl');
    const result = await h.run(h.runArgs(input, output));
    expect(result.code).toBe(1);
    const records = resultRecords(output);
    expect(records).toHaveLength(40);
    const failures = records.filter((record) => !record.ok);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatchObject({
      ok: false,
      error: { type: 'BadRequestError', status: 400, message: expect.stringContaining('400') },
      usage: null,
      attempts: 1,
    });
    expect(result.stderr).toContain(`${failures.length} failed; to send them again:`);
    expect(result.stderr).toContain('--retry-failed');
    expect(server.stats().requests).toBe(40);
  });

  it('stops with exit 2 on a 401, records nothing for it, and never prints the key', async () => {
    const server = await h.startMock({ apiKey: 'the-right-key-123' });
    const input = await promptsFile(promptLines(30));
    const output = h.path('results.jsonl');
    const result = await h.run(h.runArgs(input, output, ['--max-active', '2']), { env: { OPENAI_API_KEY: 'sk-wrong-key-456789' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/rxllm: fatal: .*401.*AuthenticationError: nothing else in this batch can succeed/);
    expect(result.stderr).toContain('to resume, run:');
    expect(result.stderr).not.toContain('sk-wrong-key-456789');
    expect(resultRecords(output)).toEqual([]);
    expect(server.stats().requests).toBeLessThanOrEqual(2);
  });

  it('reports malformed lines with their line numbers, skips them and exits 1', async () => {
    await h.startMock();
    const input = await promptsFile('"ok 1"\n{"prompt": \n"ok 2"\n{"promt":"typo"}\n"ok 3"\n');
    const output = h.path('results.jsonl');
    const result = await h.run(h.runArgs(input, output));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rxllm: line 2: not valid JSON .*\(skipped\)/);
    expect(result.stderr).toContain('rxllm: line 4: unknown field "promt" (expected id, prompt or messages, params, meta) (skipped)');
    expect(result.stderr).toContain('2 bad input lines');
    expect(resultRecords(output).map((record) => record.id).sort()).toEqual(['line-1', 'line-3', 'line-5']);
  });

  it('exits 2 with a clear message for an unreadable prompts file, and 64 for an unknown flag', async () => {
    const server = await h.startMock();
    const output = h.path('results.jsonl');
    const missing = await h.run(h.runArgs(h.path('nope.jsonl'), output));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`rxllm: cannot read the prompts file ${h.path('nope.jsonl')}: no such file\n`);

    if (process.getuid?.() !== 0) {
      const locked = await promptsFile('"a"\n', 'locked.jsonl');
      await chmod(locked, 0o000);
      const denied = await h.run(h.runArgs(locked, output));
      expect(denied.code).toBe(2);
      expect(denied.stderr).toContain('permission denied');
    }

    const unknown = await h.run(h.runArgs(h.path('nope.jsonl'), output, ['--max-activ', '3']));
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toBe("rxllm: unknown flag --max-activ (did you mean --max-active?)\nSee 'rxllm run --help'.\n");
    expect(server.stats().requests).toBe(0);
  });
});
