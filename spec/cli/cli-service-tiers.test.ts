import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../src/cli/parse-run-args.js';
import { promptLines, resultRecords, useCliHarness } from './support/cli-harness.js';

const base = ['prompts.jsonl', '-o', 'out.jsonl', '--model', 'openai/gpt-5'];

describe('rxllm run tier flags', () => {
  it('reads --service-tier, --fallback-tier and --deadline (500ms, 90s, 2h or seconds)', () => {
    const options = parseRunArgs([...base, '--service-tier', 'flex', '--fallback-tier', 'default', '--deadline', '2h']);
    expect(options).toMatchObject({ params: { serviceTier: 'flex' }, tierFallback: { tier: 'default', deadline: 7_200_000 } });
    expect(parseRunArgs([...base, '--deadline', '90s'])).toMatchObject({ tierFallback: { tier: 'default', deadline: 90_000 } });
    expect(parseRunArgs([...base, '--deadline', '500ms'])).toMatchObject({ tierFallback: { deadline: 500 } });
    expect(parseRunArgs([...base, '--deadline', '30'])).toMatchObject({ tierFallback: { deadline: 30_000 } });
    expect(parseRunArgs(base)).not.toHaveProperty('tierFallback');
    expect(() => parseRunArgs([...base, '--deadline', 'tomorrow'])).toThrow(/--deadline expected a duration/);
    expect(() => parseRunArgs([...base, '--service-tier', 'Flex!'])).toThrow(/--service-tier/);
  });
});

describe('rxllm run --service-tier flex against the mock (child process)', () => {
  const h = useCliHarness();

  it('answers every prompt and sums up the tiers served, the cost against the standard tier and the capacity refusals', async () => {
    const mock = await h.startMock({ flexRefusalShare: 0.3, seed: 3 });
    const input = await h.writeFile('prompts.jsonl', promptLines(30));
    const output = h.path('results.jsonl');
    const run = await h.run(
      ['run', input, '-o', output, '--model', 'openai/gpt-5', '--base-url', mock.openaiBaseURL, '--rpm', '100000', '--max-retries', '4', '--service-tier', 'flex', '--fallback-tier', 'default', '--progress', 'none'],
      { env: { OPENAI_API_KEY: 'sk-mock-tiers-0123456789' } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(resultRecords(output).filter((record) => record.ok)).toHaveLength(30);
    const refused = mock.stats().capacityRefused;
    expect(refused).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/ {2}tiers: [\d,]+ flex(, [\d,]+ default)? · \$[\d.]+ vs \$[\d.]+ at the standard tier/);
    expect(run.stderr).toContain(`refused: ${refused} for capacity (tier)\n`);
    expect(run.stderr).toMatch(/\n {2}limits .* · 0 refused for rate limits \(429\)\n/); // counted once, there
  }, 60_000);

  it('warns once when the model lacks the tier, and sends everything at the fallback tier', async () => {
    const mock = await h.startMock({ modelsWithoutTiers: ['gpt-5'] });
    const input = await h.writeFile('prompts.jsonl', promptLines(6));
    const output = h.path('results.jsonl');
    const run = await h.run(
      ['run', input, '-o', output, '--model', 'openai/gpt-5', '--base-url', mock.openaiBaseURL, '--max-active', '2', '--service-tier', 'flex', '--fallback-tier', 'default', '--progress', 'lines'],
      { env: { OPENAI_API_KEY: 'sk-mock-tiers-0123456789' } },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(resultRecords(output).filter((record) => record.ok)).toHaveLength(6);
    expect(run.stderr.split('\n').filter((line) => line.includes('does not offer service tier'))).toEqual([
      'rxllm: warning: openai/gpt-5 does not offer service tier "flex": sent at "default" for the rest of the run',
    ]);
    expect(run.stderr).toMatch(/ {2}tiers: 6 default/);
  }, 60_000);
});
