import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipRedis, startRedisServer, type RedisServer } from '../support/redis-server.js';
import { promptLines, resultRecords, useCliHarness } from './support/cli-harness.js';

describe.skipIf(skipRedis)('rxllm run --redis (child processes, against the mock server and a real redis-server)', () => {
  const h = useCliHarness();
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 90_000);
  afterAll(() => redis?.stop());

  it('two processes on different input files share one --rpm budget: no 429 from a server allowing it once', async () => {
    // The server allows 10 requests in any second (600 rpm); each process alone would send 480 rpm, together 960.
    const server = await h.startMock({ rpmLimit: 10, windowMs: 1_000, latencyMs: 5 });
    const runs = ['a', 'b'].map(async (name) => {
      const input = await h.writeFile(`${name}.jsonl`, promptLines(12, `Question ${name}`));
      const output = h.path(`${name}.results.jsonl`);
      const args = ['run', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--rpm', '480', '--max-retries', '0'];
      const run = h.start([...args, '--redis', redis.url, '--limiter-key', 'team-a']);
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
    const input = await h.writeFile('c.jsonl', promptLines(1));
    const unreachable = 'redis://user:s3cret-pass@127.0.0.1:1';
    const result = await h.run(['run', input, '-o', h.path('c.out.jsonl'), '--model', 'openai/gpt-4o-mini', '--base-url', 'http://127.0.0.1:1/v1', '--redis', unreachable]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--redis: cannot reach Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1/);
    expect(result.stderr).not.toContain('s3cret');
  }, 60_000);
});
