import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay, describeProgress } from '../../src/cli/progress-display.js';
import { RunStats } from '../../src/cli/run-stats.js';

const figures = () => ({ inFlight: 4, retries: 2, requestsPerMinute: 480.4 });

/** A stream that says it is a terminal, collecting what is written. */
function fakeTerminal(columns: number) {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns });
  let written = '';
  stream.setEncoding('utf8').on('data', (text: string) => (written += text));
  return { stream, written: () => written };
}

async function until(stream: PassThrough, condition: () => boolean): Promise<void> {
  while (!condition()) await once(stream, 'data');
}

describe('progress display', () => {
  it('describes the run in one plain line', () => {
    let now = 0;
    const stats = new RunStats('openai/gpt-4o-mini', () => now);
    stats.total = 200;
    stats.skipped = 10;
    stats.recordOk({ inputTokens: 1500, outputTokens: 500 }, 'gpt-4o-mini', 100);
    stats.recordFailed(50);
    now = 3_000;
    expect(describeProgress(stats, figures(), 45_000)).toBe(
      '12/200 (6.0%) | ok 1 | failed 1 | skipped 10 | in flight 4 | 480 rpm | 2.0k tokens | $0.000525 | 2 retries | elapsed 3.0s | eta 45.0s',
    );
  });

  it('draws a live bar on a terminal, fitted to its width, and prints messages above it', async () => {
    const stats = new RunStats('openai/gpt-4o-mini');
    stats.total = 10;
    const terminal = fakeTerminal(80);
    const display = createProgressDisplay({ mode: 'bar', stream: terminal.stream, stats, figures });
    display.start();
    stats.recordOk({ inputTokens: 10, outputTokens: 5 }, 'gpt-4o-mini', 100);
    stats.recordOk({ inputTokens: 10, outputTokens: 5 }, 'gpt-4o-mini', 100);
    stats.recordOk({ inputTokens: 10, outputTokens: 5 }, 'gpt-4o-mini', 100);
    await until(terminal.stream, () => terminal.written().includes('ok 3'));
    display.log('rxllm: line 7: not valid JSON (skipped)');
    await until(terminal.stream, () => terminal.written().includes('line 7'));
    display.stop();
    const text = terminal.written();
    const frames = text.split(/\x1b\[[0-9;?]*[A-Za-z]/).filter((frame) => frame.includes(' ok '));
    expect(frames.at(-1)).toMatch(/^█+░+ 30% 3\/10 \| ok 3 \| failed 0 \| in flight 4/);
    expect(Math.max(...frames.map((frame) => frame.length))).toBeLessThan(80);
    expect(text).toContain('rxllm: line 7: not valid JSON (skipped)\n');
  });

  it('prints plain lines at the interval when not on a terminal, and stops', async () => {
    const stats = new RunStats('openai/gpt-4o-mini');
    const stream = new PassThrough();
    let written = '';
    stream.setEncoding('utf8').on('data', (text: string) => (written += text));
    const display = createProgressDisplay({ mode: 'lines', stream, stats, figures, intervalMs: 20 });
    display.start();
    await until(stream, () => written.split('\n').length > 2);
    display.stop();
    expect(written.split('\n')[0]).toMatch(/^rxllm: 0 \| ok 0 \| failed 0 \| in flight 4 \| 480 rpm \| 0 tokens \| 2 retries \| elapsed \d+ms$/);
    expect(written).not.toMatch(/\x1b/);
  });

  it('on a resumed run, the bar counts the skipped prompts beside ok and failed, so its parts add up to its count', async () => {
    const stats = new RunStats('openai/gpt-4o-mini');
    stats.total = 1_000;
    stats.skipped = 330;
    for (let i = 0; i < 37; i++) stats.recordOk({ inputTokens: 10, outputTokens: 5 }, 'gpt-4o-mini', 100);
    const terminal = fakeTerminal(160);
    const display = createProgressDisplay({ mode: 'bar', stream: terminal.stream, stats, figures });
    display.start();
    await until(terminal.stream, () => terminal.written().includes('ok 37'));
    display.stop();
    const frames = terminal.written().split(/\x1b\[[0-9;?]*[A-Za-z]/).filter((frame) => frame.includes(' ok '));
    expect(frames.at(-1)).toMatch(/ 367\/1,000 \| ok 37 \| failed 0 \| skipped 330 \| in flight 4 \|/);
  });

  it('once the run is stopping (Ctrl-C), shows no ETA, in the bar and in the plain lines', async () => {
    let now = 0;
    const stats = new RunStats('openai/gpt-4o-mini', () => now);
    stats.total = 100;
    stats.etaMs();
    now = 1_000;
    stats.recordOk({ inputTokens: 10, outputTokens: 5 }, 'gpt-4o-mini', 100);
    expect(stats.etaMs()).toBe(99_000);
    stats.stopping = true;
    expect(stats.etaMs()).toBeUndefined();
    expect(describeProgress(stats, figures(), stats.etaMs())).toMatch(/ \| stopping$/);
    const terminal = fakeTerminal(160);
    const display = createProgressDisplay({ mode: 'bar', stream: terminal.stream, stats, figures });
    display.start();
    await until(terminal.stream, () => terminal.written().includes('ok 1'));
    display.stop();
    const frames = terminal.written().split(/\x1b\[[0-9;?]*[A-Za-z]/).filter((frame) => frame.includes(' ok '));
    expect(frames.at(-1)).toContain('| stopping |');
    expect(frames.at(-1)).not.toContain('ETA');
  });
});
