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

  it('says the first refused wait once and each tier switch once, as the pipeline reports them (nothing watches progress$)', () => {
    const options = parseRunArgs(['prompts.jsonl', '-o', 'results.jsonl', '--model', 'openai/gpt-4o-mini', '--progress', 'none']);
    if (options === 'help') throw new Error('unexpected help');
    const stderr = new PassThrough();
    let said = '';
    stderr.on('data', (part: Buffer) => (said += part.toString('utf8')));
    const session = new RunSession(options, 'openai/gpt-4o-mini', stderr);
    session.tracker.waitRefused(86_400_000);
    session.tracker.waitRefused(172_800_000);
    session.tracker.tierSwitched('a switched to default');
    session.tracker.tierSwitched('a switched to default');
    session.tracker.tierSwitched('b switched to default');
    expect(said.split('\n').filter(Boolean)).toEqual([
      'rxllm: the server asked to wait 24h 00m; not waiting longer than 1m 00s (the cap on server-asked waits)',
      'rxllm: warning: a switched to default',
      'rxllm: warning: b switched to default',
    ]);
    expect(session.tracker.snapshot()).toMatchObject({ refusedWaits: 2, longestRefusedWaitMs: 172_800_000, tierSwitches: ['a switched to default', 'a switched to default', 'b switched to default'] });
  });
});
