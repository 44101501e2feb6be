import { describe, expect, it } from 'vitest';
import { parseBatchArgs } from '../../src/cli/parse-batch-args.js';
import { parseRunArgs } from '../../src/cli/parse-run-args.js';
import { UsageError } from '../../src/cli/usage-error.js';

const run = ['prompts.jsonl', '-o', 'out.jsonl', '--model', 'openai/gpt-4o-mini'];
const batch = ['prompts.jsonl', '-o', 'out.jsonl', '--model', 'openai/gpt-4o-mini'];

function usageMessage(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

// SPEC "Names and units": CLI durations accept 500ms, 90s, 2h or plain seconds, for every duration flag.
describe('duration flags of rxllm run and rxllm batch', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['30', 30_000],
    ['1.5', 1_500],
  ])('rxllm run --timeout %s is %d ms', (text, ms) => {
    expect(parseRunArgs([...run, '--timeout', text])).toMatchObject({ timeoutMs: ms });
  });

  it('reads --grace and --progress-interval the same way, plain seconds as before', () => {
    expect(parseRunArgs([...run, '--grace', '1m', '--progress-interval', '250ms'])).toMatchObject({ graceMs: 60_000, progressIntervalMs: 250 });
    expect(parseRunArgs([...run, '--grace', '0', '--progress-interval', '0.5'])).toMatchObject({ graceMs: 0, progressIntervalMs: 500 });
  });

  it('names the flag and the accepted forms for a value that is no duration, or zero where zero means nothing', () => {
    expect(usageMessage(() => parseRunArgs([...run, '--timeout', '10 minutes']))).toBe(
      '--timeout expected a duration such as 500ms, 90s, 2h or plain seconds (got "10 minutes")',
    );
    expect(usageMessage(() => parseRunArgs([...run, '--timeout', '0']))).toBe('--timeout expected a duration above 0 (got "0")');
    expect(usageMessage(() => parseRunArgs([...run, '--progress-interval', '0ms']))).toBe('--progress-interval expected a duration above 0 (got "0ms")');
    expect(usageMessage(() => parseRunArgs([...run, '--grace=-1']))).toContain('--grace expected a duration such as 500ms');
    expect(usageMessage(() => parseRunArgs([...run, '--deadline', 'tomorrow']))).toContain('--deadline expected a duration such as 500ms');
  });

  it('rxllm batch --poll-interval takes the same forms, spaces around the unit included', () => {
    expect(parseBatchArgs([...batch, '--poll-interval', '2h'])).toMatchObject({ pollIntervalMs: 7_200_000 });
    expect(parseBatchArgs([...batch, '--poll-interval', ' 90 s '])).toMatchObject({ pollIntervalMs: 90_000 });
    expect(usageMessage(() => parseBatchArgs([...batch, '--poll-interval', 'soon']))).toMatch(/--poll-interval:? expected a duration such as 500ms/);
  });
});
