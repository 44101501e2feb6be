import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/checkpoint/id-set.js';
import type { BadLine, PromptLine } from '../../src/cli/parse-prompt-line.js';
import { readPrompts } from '../../src/cli/read-prompts.js';

async function collect(text: string, done = new IdSet(), badLines: 'skip' | 'fail' = 'skip') {
  const bad: BadLine[] = [];
  const skipped: PromptLine[] = [];
  const prompts: PromptLine[] = [];
  const source = readPrompts(Readable.from([text]), {
    done,
    badLines,
    onBadLine: (line) => bad.push(line),
    onSkipped: (line) => skipped.push(line),
  });
  for await (const prompt of source) prompts.push(prompt);
  return { prompts, bad, skipped };
}

describe('readPrompts', () => {
  it('yields the prompts to send, skipping blank lines and ids already done', async () => {
    const done = new IdSet();
    done.add('line-2');
    done.add('q9');
    const { prompts, skipped, bad } = await collect('"a"\n"b"\n\n{"id":"q9","prompt":"c"}\n"d"\n', done);
    expect(prompts.map((prompt) => prompt.id)).toEqual(['line-1', 'line-5']);
    expect(skipped.map((prompt) => prompt.id)).toEqual(['line-2', 'q9']);
    expect(bad).toEqual([]);
  });

  it('reports malformed lines and duplicate ids with line numbers, and goes on', async () => {
    const { prompts, bad } = await collect('{"id":"x","prompt":"a"}\nnope\n{"id":"x","prompt":"b"}\n"c"\n');
    expect(prompts.map((prompt) => prompt.lineNumber)).toEqual([1, 4]);
    expect(bad.map((line) => line.message)).toEqual([
      expect.stringMatching(/^line 2: not valid JSON/),
      'line 3: duplicate id "x" (ids must be unique: resume skips by id)',
    ]);
  });

  it('a custom id equal to a default one is a duplicate too', async () => {
    const { bad } = await collect('"a"\n{"id":"line-1","prompt":"b"}\n');
    expect(bad[0]?.message).toMatch(/^line 2: duplicate id "line-1"/);
  });

  it('stops at the first bad line with badLines "fail"', async () => {
    const { prompts, bad } = await collect('"a"\nnope\n"c"\n', new IdSet(), 'fail');
    expect(prompts.map((prompt) => prompt.id)).toEqual(['line-1']);
    expect(bad).toHaveLength(1);
  });

  it('reads the input only as far as the consumer pulls, and closes it when stopped early', async () => {
    let produced = 0;
    const input = Readable.from(
      (function* () {
        for (let i = 0; i < 100_000; i++) {
          produced += 1;
          yield `"prompt ${i}"\n`;
        }
      })(),
      { highWaterMark: 1 },
    );
    const source = readPrompts(input, { done: new IdSet(), onBadLine: () => undefined });
    for (let i = 0; i < 3; i++) await source.next();
    expect(produced).toBeLessThan(50);
    await source.return(undefined);
    expect(input.destroyed).toBe(true);
  });
});
