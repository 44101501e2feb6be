import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completionBody } from '../support/openai-transcripts.js';
import { type LocalServer, startLocalServer } from '../support/local-server.js';
import { promptLines, resultRecords, useCliHarness } from './support/cli-harness.js';

// Issue 17, item 2: a wait a 200's headers ask for above the cap is reported once, not endured.
const h = useCliHarness();
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());

const KEY = 'sk-test-refused-wait-0123456789abcdef';

describe('rxllm run: a server asking for a day-long wait on its 200s (child process, local server)', () => {
  it('finishes every prompt and says once that it did not wait, naming only the durations', async () => {
    server.handle(({ res }) => {
      const body = JSON.stringify(completionBody('ok'));
      res.writeHead(200, {
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '24h',
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      });
      res.end(body);
    });
    const input = await h.writeFile('prompts.jsonl', promptLines(4));
    const output = h.path('results.jsonl');
    const run = await h.run(
      ['run', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', server.baseURL, '--max-active', '1', '--progress', 'lines'],
      { env: { OPENAI_API_KEY: KEY } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(resultRecords(output).filter((record) => record.ok)).toHaveLength(4);
    const lines = run.stderr.split('\n').filter((line) => line.includes('asked to wait'));
    expect(lines, run.stderr).toEqual(['rxllm: the server asked to wait 24h 00m; not waiting longer than 1m 00s (the cap on server-asked waits)']);
    expect(run.stderr).not.toContain(KEY.slice(0, 12));
  }, 30_000);
});
