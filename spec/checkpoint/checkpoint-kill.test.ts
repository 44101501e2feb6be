import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { waitFor } from '../cli/support/cli-harness.js';

let dir: string;
let server: MockServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rxllm-checkpoint-kill-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const completeLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(0, -1) : []);

describe('checkpoint: kill -9 in the middle of a library run, then a resume', () => {
  it('sends only what is missing, and the file ends with every id exactly once', { timeout: 120_000 }, async () => {
    server = await startMockServer({ latencyMs: [20, 60] });
    const path = join(dir, 'results.jsonl');
    const count = 60;
    const child = spawn(process.execPath, ['--import', 'tsx', 'spec/checkpoint/support/checkpoint-child.ts', server.openaiBaseURL, path, String(count)], {
      cwd: new URL('../..', import.meta.url),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    await waitFor(() => completeLines(path).length >= 10 || child.exitCode !== null, 'ten recorded results', 60_000);
    expect(stderr).toBe('');
    child.kill('SIGKILL');
    await exited;
    const recorded = completeLines(path).map((line) => (JSON.parse(line) as { id: string }).id);
    expect(recorded.length).toBeGreaterThanOrEqual(10);
    expect(recorded.length).toBeLessThan(count);
    expect(existsSync(`${path}.lock`)).toBe(true); // the dead process's lock: taken over by the resume

    server.resetStats();
    const items = Array.from({ length: count }, (_, i) => ({ id: `q${i}`, prompt: `Question ${i}` }));
    const results = await parallelChat(openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'mock-model' }), items, {
      rpm: Infinity,
      onError: 'continue',
      checkpoint: path,
    });
    expect(results.every((result) => result !== null && !(result instanceof Error))).toBe(true);
    // What the killed run recorded is not sent again (requests in flight at the kill were never recorded). The killed
    // child's own requests in flight (its maxActive, 4) may still reach the server after `resetStats`: allowed for.
    expect(server.stats().requests).toBeLessThanOrEqual(count - recorded.length + 4);
    const ids = completeLines(path).map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids).toHaveLength(count);
    expect(new Set(ids).size).toBe(count);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
