import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useCliHarness } from '../cli/support/cli-harness.js';
import { type Handler, type LocalServer, startLocalServer } from '../support/local-server.js';
import { apiKeyArbitrary, type EchoScript, echoHandler, echoScriptArbitrary, leaksIn } from '../support/reliability-secrets.js';

const h = useCliHarness();
let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(() => server.close());

/** Answers `{"prompt": "case <i>"}` with `scripts[i]`. */
function scriptedByPrompt(scripts: readonly EchoScript[]): Handler {
  return (exchange) => {
    const body = exchange.request.body as { messages?: { content?: unknown }[] };
    const content = String(body.messages?.at(-1)?.content ?? '');
    const index = Number(/case (\d+)/.exec(content)?.[1] ?? -1);
    return echoHandler(scripts[index] ?? scripts[0]!)(exchange);
  };
}

interface CliCase {
  provider: 'openai' | 'anthropic';
  stream: boolean;
  /** Non-fatal scripts (a fatal status would stop the batch at once): every one is a failed result line. */
  scripts: EchoScript[];
}

async function runCase({ provider, stream, scripts }: CliCase, key: string): Promise<{ code: number | null; texts: Record<string, string> }> {
  server.handle(scriptedByPrompt(scripts));
  const input = await h.writeFile(`${provider}-${stream}.jsonl`, scripts.map((_, i) => `${JSON.stringify({ id: `s${i}`, prompt: `case ${i}` })}\n`).join(''));
  const output = h.path(`${provider}-${stream}.out.jsonl`);
  const model = provider === 'openai' ? 'openai/gpt-test' : 'anthropic/claude-test';
  const baseURL = provider === 'openai' ? server.baseURL : server.url;
  const env = provider === 'openai' ? { OPENAI_API_KEY: key } : { ANTHROPIC_API_KEY: key };
  const args = ['run', input, '-o', output, '--model', model, '--base-url', baseURL, '--max-retries', '0', '--max-active', '4', '--rpm', '100000', '--progress', 'lines'];
  const result = await h.run(stream ? [...args, '--stream'] : args, { env });
  let file = '';
  try {
    file = readFileSync(output, 'utf8');
  } catch {
    file = '';
  }
  return { code: result.code, texts: { stdout: result.stdout, stderr: result.stderr, 'output file': file } };
}

describe('secrets: the CLI never prints or records the API key, whatever the server echoes back', () => {
  it('non-fatal error paths: every failure is recorded, and no piece of the key is in stdout, stderr or the results file', async () => {
    const nonFatal = echoScriptArbitrary.filter((script) => !script.behaviour.startsWith('status') || ![401, 402, 403].includes(script.status));
    const [key1, key2] = fc.sample(apiKeyArbitrary, { seed: 41, numRuns: 2 });
    const scripts = fc.sample(nonFatal, { seed: 42, numRuns: 16 });
    const cases: [CliCase, string][] = [
      [{ provider: 'openai', stream: false, scripts }, key1!],
      [{ provider: 'anthropic', stream: true, scripts: scripts.map((script) => ({ ...script, wire: 'anthropic' as const })) }, key2!],
    ];
    for (const [cliCase, key] of cases) {
      const { code, texts } = await runCase(cliCase, key);
      expect(texts.stderr).not.toMatch(/unexpected error/);
      expect(code, texts.stderr).toBe(1); // some prompts failed
      expect(texts['output file']!.trim().split('\n')).toHaveLength(scripts.length);
      expect(leaksIn(texts, key)).toEqual([]);
    }
  });

  it('a fatal 401/403 that echoes the key stops the run with a message that does not contain it', async () => {
    const [key] = fc.sample(apiKeyArbitrary, { seed: 43, numRuns: 1 });
    for (const [provider, status, format] of [
      ['openai', 401, 'json-headers'],
      ['anthropic', 403, 'raw-head'],
    ] as const) {
      const script: EchoScript = { behaviour: 'status-json', status, format, padding: 0, requestIdIsKey: true, wire: provider };
      const { code, texts } = await runCase({ provider, stream: false, scripts: [script, script, script] }, key!);
      expect(code, texts.stderr).toBe(2);
      expect(texts.stderr).toMatch(/fatal/);
      expect(leaksIn(texts, key!)).toEqual([]);
    }
  });
});
