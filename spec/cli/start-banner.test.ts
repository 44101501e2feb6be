import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/cli/id-set.js';
import { parseRunArgs, type RunOptions } from '../../src/cli/parse-run-args.js';
import { startBanner } from '../../src/cli/start-banner.js';

const scan = { done: new IdSet(), ok: 0, failed: 0, tornBytes: 0, created: true };
const banner = (...flags: string[]) =>
  startBanner(parseRunArgs(['p.jsonl', '-o', 'o.jsonl', '--model', 'openai/gpt-4o-mini', ...flags]) as RunOptions, 'openai/gpt-4o-mini', scan)[0];

describe('startBanner: the limits', () => {
  it('says when rpm and tpm are auto (the default), and how to set a ceiling', () => {
    expect(banner()).toBe(
      "p.jsonl → o.jsonl with openai/gpt-4o-mini: 10 in flight at most, rpm and tpm auto (paced from the provider's rate-limit headers; --rpm/--tpm set a ceiling)",
    );
  });

  it('shows configured numbers as they are, and auto only for what is left auto', () => {
    expect(banner('--rpm', '600')).toContain(': 10 in flight at most, 600 rpm, tpm auto (');
    expect(banner('--rpm', '600', '--tpm', '90000')).toBe('p.jsonl → o.jsonl with openai/gpt-4o-mini: 10 in flight at most, 600 rpm, 90000 tpm');
  });
});
