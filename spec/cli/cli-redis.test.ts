import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServer, startMockServer } from '../../src/mock-server/start-mock-server.js';
import { skipRedis, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { buildCli, promptLines, resultRecords, runCliToEnd, startCli, tempDir } from './support/cli-harness.js';

describe.skipIf(skipRedis)('rxllm run --redis (child processes, against the mock server and a real redis-server)', () => {
  let cli: { path: string; remove: () => Promise<void> };
  let redis: RedisServer;
  let dir: string;
  let removeDir: () => Promise<void>;
  let server: MockServer;
  beforeAll(async () => {
    [cli, redis, { dir, remove: removeDir }] = await Promise.all([buildCli(), startRedisServer(), tempDir()]);
  }, 90_000);
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
    await removeDir?.();
    await cli?.remove();
  });

  it('two processes on different input files share one --rpm budget: no 429 from a server allowing it once', async () => {
    // The server allows 10 requests in any second (600 rpm); each process alone would send 480 rpm, together 960.
    server = await startMockServer({ rpmLimit: 10, windowMs: 1_000, latencyMs: 5 });
    const runs = ['a', 'b'].map(async (name) => {
      const input = join(dir, `${name}.jsonl`);
      await writeFile(input, promptLines(12, `Question ${name}`));
      const output = join(dir, `${name}.results.jsonl`);
      const args = ['run', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--rpm', '480', '--max-retries', '0'];
      const run = startCli(cli.path, [...args, '--redis', redis.url, '--limiter-key', 'team-a']);
      const { code } = await run.exited;
      return { code, stderr: run.stderr(), records: resultRecords(output) };
    });
    const [a, b] = await Promise.all(runs);
    for (const run of [a!, b!]) {
      expect(run.stderr).toContain('shared in Redis as "team-a"');
      expect(run.code).toBe(0);
      expect(run.records).toHaveLength(12);
      expect(run.records.every((record) => record.ok)).toBe(true);
    }
    expect(server.stats().rateLimitedByLimits).toBe(0);
    expect(server.stats().requests).toBe(24);
  }, 90_000); // a ceiling for two CLI processes on a loaded machine (the full suite took them past 20 s)

  it('fails fast, naming Redis and hiding the password, when Redis cannot be reached', async () => {
    const input = join(dir, 'c.jsonl');
    await writeFile(input, promptLines(1));
    const unreachable = 'redis://user:s3cret-pass@127.0.0.1:1';
    const result = await runCliToEnd(cli.path, ['run', input, '-o', join(dir, 'c.out.jsonl'), '--model', 'openai/gpt-4o-mini', '--base-url', 'http://127.0.0.1:1/v1', '--redis', unreachable]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--redis: cannot reach Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1/);
    expect(result.stderr).not.toContain('s3cret');
  }, 60_000);
});
