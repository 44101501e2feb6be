import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/checkpoint/id-set.js';
import { parseRunArgs, type RunOptions } from '../../src/cli/parse-run-args.js';
import type { ResultsScan } from '../../src/checkpoint/scan-results-file.js';
import { startBanner } from '../../src/cli/start-banner.js';

function options(extra: string[] = []): RunOptions {
  const parsed = parseRunArgs(['prompts.jsonl', '-o', 'results.jsonl', '--model', 'openai/gpt-4o-mini', ...extra]);
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
}

const scan = (ok: number, failed: number): ResultsScan => ({ done: new IdSet(), ok, failed, tornBytes: 0, created: false });

describe('startBanner (the resume line)', () => {
  it('with --retry-failed, says what is kept and what is sent again, in two clauses', () => {
    const lines = startBanner(options(['--retry-failed']), 'openai/gpt-4o-mini', scan(974, 26));
    expect(lines.at(-1)).toBe('resuming: 974 ok already in results.jsonl; 26 failed will be sent again');
  });

  it('without it, counts both as recorded and says how to resend the failures', () => {
    const lines = startBanner(options(), 'openai/gpt-4o-mini', scan(974, 26));
    expect(lines.at(-1)).toBe('resuming: 974 ok and 26 failed already in results.jsonl (use --retry-failed to send the failed again)');
  });

  it('with nothing failed, says only what is recorded', () => {
    expect(startBanner(options(['--retry-failed']), 'openai/gpt-4o-mini', scan(12, 0)).at(-1)).toBe('resuming: 12 ok already in results.jsonl');
    expect(startBanner(options(), 'openai/gpt-4o-mini', scan(12, 0)).at(-1)).toBe('resuming: 12 ok and 0 failed already in results.jsonl');
  });
});

describe('startBanner: the limits', () => {
  const first = (extra: string[] = []) => startBanner(options(extra), 'openai/gpt-4o-mini', scan(0, 0))[0];

  it('says when rpm and tpm are auto (the default), and how to set a ceiling', () => {
    expect(first()).toBe(
      "prompts.jsonl → results.jsonl with openai/gpt-4o-mini: 10 in flight at most, rpm and tpm auto (paced from the provider's rate-limit headers; --rpm/--tpm set a ceiling)",
    );
  });

  it('shows configured numbers as they are, and auto only for what is left auto', () => {
    expect(first(['--rpm', '600'])).toContain(': 10 in flight at most, 600 rpm, tpm auto (');
    expect(first(['--rpm', '600', '--tpm', '90000'])).toBe('prompts.jsonl → results.jsonl with openai/gpt-4o-mini: 10 in flight at most, 600 rpm, 90000 tpm');
  });
});
