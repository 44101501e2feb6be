import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { promptLines, resultRecords, useCliHarness } from './support/cli-harness.js';
import { runCliInProcess } from './support/run-cli-in-process.js';

const h = useCliHarness({ build: false }); // runs the CLI in this process
/** Runs `rxllm` in this process, stdin from `input`. */
const cli = (args: string[], input = '') => runCliInProcess(args, input);
const promptsFile = (text: string) => h.writeFile('prompts.jsonl', text);

describe('rxllm run (in process, against the mock server)', () => {
  it('reads prompts from stdin with -, and --quiet prints nothing', async () => {
    await h.startMock();
    const output = h.path('results.jsonl');
    const result = await cli(h.runArgs('-', output, ['--quiet']), promptLines(5));
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(resultRecords(output).map((record) => record.id).sort()).toEqual(['line-1', 'line-2', 'line-3', 'line-4', 'line-5']);
  });

  it('a second run of the same command sends nothing and says what it skipped', async () => {
    const server = await h.startMock();
    const input = await promptsFile(promptLines(12));
    const output = h.path('results.jsonl');
    expect((await cli(h.runArgs(input, output))).code).toBe(0);
    const again = await cli(h.runArgs(input, output));
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`resuming: 12 ok and 0 failed already in ${output}`);
    expect(again.stderr).toContain('0 prompts this run, 0 ok, 0 failed, 12 skipped');
    expect(server.stats().requests).toBe(12);
    expect(resultRecords(output)).toHaveLength(12);
  });

  it('--retry-failed sends only the failed prompts again and keeps one line per id', async () => {
    const server = await h.startMock({ faults: { '400': 0.3 }, seed: 7 });
    const input = await promptsFile(promptLines(40));
    const output = h.path('results.jsonl');
    expect((await cli(h.runArgs(input, output))).code).toBe(1);
    const failures = resultRecords(output).filter((record) => !record.ok).length;
    expect(failures).toBeGreaterThan(0);

    // Without the flag, failures are not sent again, and the exit code says the file still holds them (issue 17).
    server.resetStats();
    expect((await cli(h.runArgs(input, output))).code).toBe(1);
    expect(server.stats().requests).toBe(0);

    server.resetStats();
    const retry = await cli(h.runArgs(input, output, ['--retry-failed']));
    expect(retry.stderr).toContain(`${failures} failed will be sent again`);
    expect(server.stats().requests).toBe(failures);
    const after = resultRecords(output);
    expect(after).toHaveLength(40);
    expect(new Set(after.map((record) => record.id)).size).toBe(40);
    expect(retry.code).toBe(after.every((record) => record.ok) ? 0 : 1);
  });

  it('after a 401, the same command with the right key resumes and finishes', async () => {
    await h.startMock({ apiKey: 'the-right-key-123' });
    const input = await promptsFile(promptLines(10));
    const output = h.path('results.jsonl');
    const saved = process.env.OPENAI_API_KEY;
    try {
      process.env.OPENAI_API_KEY = 'sk-wrong-key-456789';
      const failed = await cli(h.runArgs(input, output));
      expect(failed.code).toBe(2);
      expect(failed.stderr).not.toContain('sk-wrong-key-456789');
      expect(resultRecords(output)).toEqual([]);
      process.env.OPENAI_API_KEY = 'the-right-key-123';
      const fixed = await cli(h.runArgs(input, output));
      expect(fixed.code).toBe(0);
      expect(resultRecords(output)).toHaveLength(10);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

  it('creates the directory of the results file', async () => {
    await h.startMock();
    const input = await promptsFile(promptLines(2));
    const output = h.path('runs', 'today', 'results.jsonl');
    expect((await cli(h.runArgs(input, output))).code).toBe(0);
    expect(resultRecords(output)).toHaveLength(2);
  });

  it('stops with exit 2 on a 402 (no credit), recording nothing, with the resume command', async () => {
    const server = await h.startMock({ faults: { '402': 1 } });
    const input = await promptsFile(promptLines(10));
    const output = h.path('results.jsonl');
    const result = await cli(h.runArgs(input, output, ['--max-active', '1']));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/rxllm: fatal: .*402.*InsufficientCreditsError/);
    expect(result.stderr).toContain(`rxllm: to resume, run: rxllm run ${input} -o ${output}`);
    expect(resultRecords(output)).toEqual([]);
    expect(server.stats().requests).toBe(1);
  });

  it('with --bad-lines fail, stops at the first malformed line with exit 2', async () => {
    const server = await h.startMock();
    const input = await promptsFile(`${promptLines(3)}not json\n${promptLines(20, 'Later')}`);
    const output = h.path('results.jsonl');
    const result = await cli(h.runArgs(input, output, ['--bad-lines', 'fail', '--max-active', '1']));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/rxllm: line 4: not valid JSON .*\(stopped: --bad-lines fail\)/);
    expect(resultRecords(output)).toHaveLength(3);
    expect(server.stats().requests).toBe(3);
  });

  it('with --on-error return, sends nothing new after a failure and exits 1', async () => {
    const server = await h.startMock({ faults: { '400': 1 } });
    const input = await promptsFile(promptLines(20));
    const output = h.path('results.jsonl');
    const result = await cli(h.runArgs(input, output, ['--on-error', 'return', '--max-active', '2']));
    expect(result.code).toBe(1);
    const records = resultRecords(output);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThanOrEqual(2);
    expect(server.stats().requests).toBe(records.length);
    expect(result.stderr).toContain('to resume, run:');
  });

  it('with --on-error stop, records the failure that stopped the run and exits 2', async () => {
    await h.startMock({ faults: { '400': 1 } });
    const input = await promptsFile(promptLines(20));
    const output = h.path('results.jsonl');
    const result = await cli(h.runArgs(input, output, ['--on-error', 'stop', '--max-active', '1']));
    expect(result.code).toBe(2);
    expect(resultRecords(output)).toEqual([expect.objectContaining({ id: 'line-1', ok: false, error: expect.objectContaining({ status: 400 }) })]);
    expect(result.stderr).toMatch(/rxllm: fatal: openai answered 400/);
  });

  it('passes --param to every request, a line\'s own params winning', async () => {
    await h.startMock({ answerTokens: 30 });
    const input = await promptsFile('"default"\n{"id":"own","prompt":"own","params":{"maxTokens":2}}\n');
    const output = h.path('results.jsonl');
    const result = await cli(h.runArgs(input, output, ['--param', 'maxTokens=5', '--param', 'temperature=0']));
    expect(result.code).toBe(0);
    const records = resultRecords(output);
    expect(records.find((record) => record.id === 'line-1')).toMatchObject({ finishReason: 'length', usage: { outputTokens: 5 } });
    expect(records.find((record) => record.id === 'own')).toMatchObject({ finishReason: 'length', usage: { outputTokens: 2 } });
  });

  it('keeps --max-cost: sends nothing that could overrun it, records nothing for the unsent, exits 1', async () => {
    const server = await h.startMock({ answerTokens: 20 });
    const input = await promptsFile(promptLines(50));
    const output = h.path('results.jsonl');
    const maxCost = 0.0001;
    const result = await cli(h.runArgs(input, output, ['--max-cost', String(maxCost), '--param', 'maxTokens=20', '--max-active', '2']));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('rxllm: budget reached');
    expect(result.stderr).toMatch(/\d+ not sent \(budget\)/);
    expect(result.stderr).toContain('to resume, run:');
    const records = resultRecords(output);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(50);
    expect(records.every((record) => record.ok)).toBe(true);
    const stats = server.stats();
    expect(stats.requests).toBe(records.length);
    // gpt-4o-mini list prices: $0.15 / $0.60 per million tokens; what the server delivered stays within the budget.
    expect((stats.inputTokens * 0.15 + stats.outputTokens * 0.6) / 1_000_000).toBeLessThanOrEqual(maxCost);
  });

  it('keeps --max-total-tokens with --stream too', async () => {
    const server = await h.startMock({ answerTokens: 20 });
    const input = await promptsFile(promptLines(50));
    const output = h.path('results.jsonl');
    const result = await cli(h.runArgs(input, output, ['--stream', '--max-total-tokens', '300', '--param', 'maxTokens=20', '--max-active', '2']));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('rxllm: budget reached');
    expect(result.stderr).toMatch(/[1-9]\d* not sent \(budget\)/);
    const records = resultRecords(output);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(50);
    const stats = server.stats();
    expect(stats.requests).toBe(records.length);
    expect(stats.inputTokens + stats.outputTokens).toBeLessThanOrEqual(300);
  });

  it('refuses --max-cost for a model without a known price', async () => {
    const server = await h.startMock();
    const input = await promptsFile(promptLines(1));
    const result = await cli(['run', input, '-o', h.path('r.jsonl'), '--model', 'openai/some-local-model', '--base-url', server.openaiBaseURL, '--max-cost', '1']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('--max-cost: no price is known for openai/some-local-model');
  });

  it('streams with --stream and validates --structured answers against the schema file', async () => {
    await h.startMock({ latencyMs: 5 });
    const input = await promptsFile(promptLines(6));
    const schema = h.path('city.schema.json');
    await writeFile(
      schema,
      JSON.stringify({
        type: 'object',
        properties: { city: { type: 'string' }, population: { type: 'integer' } },
        required: ['city', 'population'],
        additionalProperties: false,
      }),
    );
    const output = h.path('results.jsonl');
    const result = await cli(h.runArgs(input, output, ['--stream', '--structured', schema]));
    expect(result.stderr).toContain('6 ok, 0 failed');
    expect(result.code).toBe(0);
    const records = resultRecords(output);
    expect(records).toHaveLength(6);
    for (const record of records) {
      expect(record).toMatchObject({ ok: true, data: { city: expect.any(String), population: expect.any(Number) }, attempts: 1 });
      expect(JSON.parse(record.text as string)).toEqual(record.data);
    }
  });

  it('--stream result lines count each prompt\'s attempts, retries included (issue 20: they were null)', async () => {
    const server = await h.startMock({ faults: { '503': 0.3 }, seed: 3 });
    const input = await promptsFile(promptLines(30));
    const output = h.path('results.jsonl');
    await cli(h.runArgs(input, output, ['--stream', '--max-retries', '5']));
    const records = resultRecords(output);
    expect(records).toHaveLength(30);
    const attempts = records.map((record) => record.attempts as number);
    expect(attempts.every((count) => Number.isInteger(count) && count >= 1)).toBe(true);
    expect(attempts.some((count) => count > 1)).toBe(true);
    expect(attempts.reduce((sum, count) => sum + count, 0)).toBe(server.stats().requests);
  });

  it('times each prompt in flight (latencyMs) apart from its wait for the rate limit (queuedMs)', async () => {
    const server = await h.startMock();
    const input = await promptsFile(promptLines(4));
    const output = h.path('results.jsonl');
    // 300 rpm: one request every 200 ms, so the four prompts (all in slots at once) wait about 0, 200, 400, 600 ms.
    const result = await cli(['run', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--rpm', '300', '--max-active', '4']);
    expect(result.code).toBe(0);
    const records = resultRecords(output);
    const queued = records.map((record) => record.queuedMs as number).sort((a, b) => a - b);
    expect(queued[3]).toBeGreaterThanOrEqual(550);
    for (const record of records) expect(record.latencyMs).toEqual(expect.any(Number));
    expect(result.stderr).toMatch(/ {2}in flight p50 \d+ms · p95 \d+ms · queued \(rate limit\) p50 [\d.]+m?s · p95 [\d.]+m?s · /);
  });

  it('records a refused --structured answer as a refusal, not a schema failure', async () => {
    await h.startMock({ faults: { refusal: 1 } });
    const input = await promptsFile(promptLines(2));
    const schema = h.path('city.schema.json');
    await writeFile(schema, JSON.stringify({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }));
    const output = h.path('results.jsonl');
    await cli(h.runArgs(input, output, ['--structured', schema]));
    const records = resultRecords(output);
    expect(records).toHaveLength(2);
    for (const record of records) expect(record).toMatchObject({ ok: false, error: { type: 'RefusalError', code: 'refusal' } });
  });

  it('exits 2 naming the file for an unusable --structured schema', async () => {
    await h.startMock();
    const input = await promptsFile(promptLines(1));
    const schema = h.path('bad.json');
    await writeFile(schema, '{ not json');
    const result = await cli(h.runArgs(input, h.path('results.jsonl'), ['--structured', schema]));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--structured: ${schema} is not valid JSON`);
  });

  it('refuses to append to a results file with a corrupt line, naming it', async () => {
    const server = await h.startMock();
    const input = await promptsFile(promptLines(2));
    const output = h.path('results.jsonl');
    await writeFile(output, 'garbage\n{"id":"line-1","index":0,"ok":true}\n');
    const result = await cli(h.runArgs(input, output));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${output} line 1 is not a result record`);
    expect(server.stats().requests).toBe(0);
  });
});
