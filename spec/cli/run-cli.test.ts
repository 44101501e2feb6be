import { describe, expect, it } from 'vitest';
import { runCliInProcess } from './support/run-cli-in-process.js';

/** Runs the CLI in this process with captured output (for usage paths that send nothing). */
const cli = (args: string[]) => runCliInProcess(args);

describe('rxllm (in process)', () => {
  it('prints the help for --help, help run and run --help', async () => {
    const main = await cli(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('rxllm run <prompts.jsonl|->');
    expect(main.stdout).toContain('rxllm mock-server');
    const run = await cli(['run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--max-active <n>');
    expect(run.stdout).toContain('--retry-failed');
    expect((await cli(['help', 'run'])).stdout).toBe(run.stdout);
  });

  it('prints the usage and exits 64 without a command', async () => {
    const result = await cli([]);
    expect(result.code).toBe(64);
    expect(result.stdout).toContain('Usage:');
  });

  it('prints the package version', async () => {
    const result = await cli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\S*\n$/) });
  });

  it('prints the mock server help through its own command', async () => {
    const result = await cli(['mock-server', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: rxllm mock-server');
  });

  it('names an unknown command and suggests the closest', async () => {
    const result = await cli(['runn', 'p.jsonl']);
    expect(result.code).toBe(64);
    expect(result.stderr).toBe("rxllm: unknown command runn (did you mean run?); commands: run, batch, mock-server\nSee 'rxllm --help'.\n");
  });

  it('exits 64 with the flag named and a hint to run --help for bad flags', async () => {
    const result = await cli(['run', 'p.jsonl', '-o', 'o.jsonl', '--model', 'openai/m', '--max-active', '-1']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--max-active/);
    expect(result.stderr).toContain("See 'rxllm run --help'.");
  });

  it('rxllm mock-server: a mistyped flag exits 64 with "did you mean", like rxllm run', async () => {
    const result = await cli(['mock-server', '--api-kye', 'k']);
    expect(result.code).toBe(64);
    expect(result.stderr).toBe("rxllm: unknown flag --api-kye (did you mean --api-key?)\nSee 'rxllm mock-server --help'.\n");
    const value = await cli(['mock-server', '--port', 'abc']);
    expect(value.code).toBe(64);
    expect(value.stderr).toBe("rxllm: --port: expected an integer from 0 to 65535, got \"abc\"\nSee 'rxllm mock-server --help'.\n");
  });

  it('one exit-code table for both commands, the same in each --help', async () => {
    const tableOf = (help: string) => help.slice(help.indexOf('Exit codes'));
    const main = tableOf((await cli(['--help'])).stdout);
    for (const code of ['0', '1', '2', '64', '130', '143']) expect(main).toMatch(new RegExp(`\\n {2}${code} +\\S`));
    expect(tableOf((await cli(['run', '--help'])).stdout)).toBe(main);
    expect(tableOf((await cli(['mock-server', '--help'])).stdout)).toBe(main);
    expect(tableOf((await cli(['help', 'mock-server'])).stdout)).toBe(main);
  });

  it('exits 64 for an unknown provider, listing the known ones', async () => {
    const result = await cli(['run', 'p.jsonl', '-o', 'o.jsonl', '--model', 'nope/m']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('--model nope/m');
    expect(result.stderr).toContain('openai, anthropic');
  });

  it('exits 64 when api.openai.com is the target and no key is set', async () => {
    const saved = process.env.OPENAI_API_KEY;
    const savedBase = process.env.OPENAI_BASE_URL;
    delete process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_BASE_URL;
    try {
      const result = await cli(['run', 'p.jsonl', '-o', 'o.jsonl', '--model', 'openai/gpt-4o-mini']);
      expect(result.code).toBe(64);
      expect(result.stderr).toContain('OPENAI_API_KEY');
      expect(result.stderr).toContain('--base-url');
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
      if (savedBase !== undefined) process.env.OPENAI_BASE_URL = savedBase;
    }
  });

  it('refuses to write the results over the prompts file', async () => {
    const result = await cli(['run', 'same.jsonl', '-o', './same.jsonl', '--model', 'openai/m', '--base-url', 'http://127.0.0.1:9/v1']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('must not be the prompts file');
  });
});
