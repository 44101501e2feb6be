import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, from, lastValueFrom, mergeMap, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors/llm-error.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { retryFailures } from '../../src/promise/retry-failures.js';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import type { Prompt } from '../../src/types.js';

let dir: string;
let server: MockServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rxllm-checkpoint-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const modelOf = (mock: MockServer) => openai({ baseURL: mock.openaiBaseURL, apiKey: 'mock', model: 'mock-model' });
const fast = { rpm: Infinity, retry: { maxRetries: 0 } } as const;
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { id: string | number; index: number; ok: boolean; text?: string; attempts: number; meta?: unknown });
/** Half the items have ids of their own; the others are keyed `index-<i>`. */
const items = (count: number): Prompt[] =>
  Array.from({ length: count }, (_, i) => (i % 2 === 0 ? { id: `q${i}`, prompt: `Question ${i}`, meta: { row: i } } : `Question ${i}`));

describe('checkpoint: a results file (the CLI format) to resume from', () => {
  it('parallelChat appends each result, and the next run sends only what failed, filling the rest from the file', async () => {
    server = await startMockServer({ faults: { '400': 0.3 }, seed: 11 });
    const model = modelOf(server);
    const path = join(dir, 'results.jsonl');
    const first = await parallelChat(model, items(20), { ...fast, onError: 'continue', checkpoint: path });
    const failed = first.filter(isLlmError).length;
    expect(failed).toBeGreaterThan(0);
    expect(lines(path)).toHaveLength(20);
    const okItem = lines(path).find((line) => line.ok && line.index % 2 === 0)!;
    expect(okItem).toMatchObject({ id: `q${okItem.index}`, meta: { row: okItem.index }, attempts: 1 });
    expect(lines(path).find((line) => line.index === 3)).toMatchObject({ id: 'index-3' });

    server.resetStats();
    const second = await parallelChat(model, items(20), { ...fast, onError: 'continue', checkpoint: path });
    expect(server.stats().requests).toBe(failed); // only the failures were sent again
    expect(second.every((result) => result !== null)).toBe(true);
    first.forEach((result, index) => {
      if (result !== null && !isLlmError(result)) expect(second[index]).toMatchObject({ text: result.text, finishReason: result.finishReason });
    });
    expect(second[0]).toMatchObject({ id: 'q0', meta: { row: 0 } });
    const keys = lines(path).map((line) => line.id);
    expect(new Set(keys).size).toBe(20); // one line per key: the failed lines were replaced
    expect(keys).toHaveLength(20);
  });

  it('chatEach: a run cut short, then a resume that sends only the missing keys, each key once in the file', async () => {
    server = await startMockServer();
    const model = modelOf(server);
    const path = join(dir, 'results.jsonl');
    await lastValueFrom(from(items(30)).pipe(chatEach(model, { ...fast, maxActive: 2, checkpoint: path }), take(7), toArray()));
    const recorded = lines(path).length;
    expect(recorded).toBeGreaterThanOrEqual(7);
    server.resetStats();
    const resumed = await lastValueFrom(from(items(30)).pipe(chatEach(model, { ...fast, checkpoint: path }), toArray()));
    expect(resumed).toHaveLength(30 - recorded); // recorded keys get no result
    const before = new Set(lines(path).slice(0, recorded).map((line) => line.index));
    expect(resumed.filter((result) => before.has(result.index))).toEqual([]); // (the server's count would race the aborts of the first run)
    const keys = lines(path).map((line) => line.id);
    expect(keys).toHaveLength(30);
    expect(new Set(keys).size).toBe(30);
  });

  it('streamEach records each stream when it ends, with its attempts, and skips it next time', async () => {
    server = await startMockServer();
    const model = modelOf(server);
    const path = join(dir, 'results.jsonl');
    const texts = await lastValueFrom(from(items(4)).pipe(streamEach(model, { ...fast, checkpoint: path }), mergeMap((item) => item.text), toArray()));
    expect(lines(path).map((line) => [line.ok, line.attempts])).toEqual([[true, 1], [true, 1], [true, 1], [true, 1]]);
    expect(lines(path).map((line) => line.text).sort()).toEqual([...texts].sort());
    server.resetStats();
    const again = await lastValueFrom(from(items(4)).pipe(streamEach(model, { ...fast, checkpoint: path }), toArray()));
    expect(again).toEqual([]);
    expect(server.stats().requests).toBe(0);
  });

});

describe('retryFailures', () => {
  it('sends only the failed and unsent items, and merges their results back in input order', async () => {
    server = await startMockServer({ faults: { '400': 0.3 }, seed: 5 });
    const model = modelOf(server);
    const prompts = items(24);
    const first = await parallelChat(model, prompts, { ...fast, maxActive: 1 }); // onError 'return': failures, then nulls
    const redo = first.filter((result) => result === null || isLlmError(result)).length;
    expect(first.some((result) => result === null)).toBe(true);
    server.resetStats();
    const merged = await retryFailures(model, prompts, first, { ...fast, onError: 'continue' });
    expect(server.stats().requests).toBe(redo);
    expect(merged).toHaveLength(24);
    merged.forEach((result, index) => {
      const before = first[index];
      if (before !== null && before !== undefined && !isLlmError(before)) expect(result).toBe(before); // kept as it was
      else expect(result).not.toBeNull();
      if (result !== null && !isLlmError(result)) expect(result.text).toContain(`Question ${index}`);
      if (index % 2 === 0 && result !== null) expect(result).toMatchObject({ id: `q${index}` });
    });
  });

  it('given a results file, re-runs only what it holds as failed or lacks', async () => {
    server = await startMockServer({ faults: { '400': 0.3 }, seed: 9 });
    const model = modelOf(server);
    const path = join(dir, 'results.jsonl');
    await parallelChat(model, items(10).slice(0, 6), { ...fast, onError: 'continue', checkpoint: path });
    const okBefore = lines(path).filter((line) => line.ok).length;
    server.resetStats();
    const merged = await retryFailures(model, items(10), path, { ...fast, onError: 'continue' });
    expect(server.stats().requests).toBe(10 - okBefore);
    expect(merged).toHaveLength(10);
    expect(merged.every((result) => result !== null)).toBe(true);
    expect(new Set(lines(path).map((line) => line.id)).size).toBe(10);
  });

  it('refuses results that do not match the items', async () => {
    server = await startMockServer();
    await expect(retryFailures(modelOf(server), items(3), [null])).rejects.toThrow(/retryFailures\(\) results: expected one entry per item \(3\), got 1/);
  });
});
