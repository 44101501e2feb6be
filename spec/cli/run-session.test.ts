import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../src/cli/parse-run-args.js';
import { RunSession } from '../../src/cli/run-session.js';

describe('RunSession', () => {
  it('once the reading stops (Ctrl-C, the budget, --on-error return), the figures say the run is stopping', () => {
    const options = parseRunArgs(['prompts.jsonl', '-o', 'results.jsonl', '--model', 'openai/gpt-4o-mini', '--progress', 'none']);
    if (options === 'help') throw new Error('unexpected help');
    const session = new RunSession(options, 'openai/gpt-4o-mini', new PassThrough());
    expect(session.stats.stopping).toBe(false);
    session.stop$.next();
    expect(session.stats.stopping).toBe(true);
  });
});
