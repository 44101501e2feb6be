import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadRequestError, batchChat, batchChatStructured, batchChatText, type BatchJobProgress, InvalidOptionsError, isLlmError, openai, partialResultsOf, priceOf } from '../../src/index.js';
import { type MockServer, type MockServerOptions, startMockServer } from '../../src/mock-server/index.js';

// batchChat against the mock server's OpenAI Files and Batch APIs, end to end over 127.0.0.1. The mock's batch clock
// is the test's own (`clock`), moved forward each time the job reports progress: no test waits on wall time.

let server: MockServer | undefined;
let dir: string;
let now = 1_765_000_000_000;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rxllm-batch-'));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(options: MockServerOptions = {}) {
  now = 1_765_000_000_000;
  server = await startMockServer({ batchDelayMs: 10_000, clock: () => now, ...options });
  return openai({ model: 'gpt-4o-mini', baseURL: server.openaiBaseURL, apiKey: 'sk-mock', batchApi: true, maxRetries: 0 });
}

/** Moves the mock's clock on every progress report; records the reports. */
function ticking(stepMs = 4_000) {
  const reports: BatchJobProgress[] = [];
  return {
    reports,
    onProgress: (progress: BatchJobProgress) => {
      reports.push(progress);
      now += stepMs;
    },
  };
}

const prompts = (count: number) => Array.from({ length: count }, (_, index) => `Question ${index}?`);

describe('batchChat over OpenAI Batch (mock)', () => {
  it('splits a job past the per-batch limit into several batches and answers every prompt in input order', async () => {
    const model = await start();
    const { reports, onProgress } = ticking();
    const results = await batchChat(model, prompts(7), { pollInterval: 1, batchLimits: { maxRequests: 3 }, onProgress });
    expect(results).toHaveLength(7);
    expect(new Set(reports.at(-1)!.batches.map((batch) => batch.id)).size).toBe(3);
    expect(reports.at(-1)!.batches.map((batch) => batch.requests)).toEqual([3, 3, 1]);
    results.forEach((result, index) => {
      expect(isLlmError(result) || result === null).toBe(false);
      if (result === null || isLlmError(result)) return;
      expect(result.text).toContain(`Question ${index}?`.slice(0, 5));
      expect(result.usage.inputTokens).toBeGreaterThan(0);
    });
    expect(reports.at(-1)).toMatchObject({ total: 7, collected: 7, waiting: 0 });
  });

  it('gives each response its cost at the batch price', async () => {
    const model = await start({ batchDelayMs: 0 });
    const [result] = await batchChat(model, ['Hi'], { pollInterval: 1 });
    if (result === null || isLlmError(result) || result === undefined) throw new Error('expected a response');
    const price = priceOf('openai/gpt-4o-mini')!;
    expect(price.batch).toBeDefined();
    const batchRate = price.batch!;
    const expected = (result.usage.inputTokens * batchRate.inputPerMillion + result.usage.outputTokens * batchRate.outputPerMillion) / 1e6;
    expect(result.cost).toBeCloseTo(expected, 12);
    expect(result.cost).toBeLessThan((result.usage.inputTokens * price.inputPerMillion + result.usage.outputTokens * price.outputPerMillion) / 1e6);
  });

  it('sends each prompt as the exact live request (params included)', async () => {
    const model = await start({ batchDelayMs: 0 });
    const [result] = await batchChat(model, [{ messages: [{ role: 'user', content: 'Hello' }], params: { maxTokens: 5 } }], { pollInterval: 1 });
    if (result === null || isLlmError(result) || result === undefined) throw new Error('expected a response');
    expect(result.usage.outputTokens).toBeLessThanOrEqual(5);
  });

  it('refuses a model without a batch API before anything is sent', async () => {
    const model = await start();
    const local = openai({ model: 'any', baseURL: server!.openaiBaseURL, apiKey: '' });
    await expect(batchChat(local, ['Hi'])).rejects.toThrow(InvalidOptionsError);
    await expect(batchChat(local, ['Hi'])).rejects.toThrow(/has no batch API/);
    expect(server!.stats().requests).toBe(0);
    void model;
  });

  it('refuses a prompt too large for one batch, naming it, before anything is sent', async () => {
    const model = await start();
    await expect(batchChat(model, ['short', 'x'.repeat(5_000)], { batchLimits: { maxBytes: 2_000 } })).rejects.toThrow(/prompts\[1\].*more than one batch may hold/);
    expect(server!.stats().requests).toBe(0);
  });

  it('refuses bad options naming the field', async () => {
    const model = await start();
    await expect(batchChat(model, ['Hi'], { pollInterval: -1 })).rejects.toThrow(/pollInterval/);
    await expect(batchChat(model, ['Hi'], { resubmit: 'sometimes' as 'both' })).rejects.toThrow(/resubmit/);
  });

  it('maps items the endpoint refuses to their error class, and keeps the rest', async () => {
    const model = await start({ batchDelayMs: 0 });
    const refused = { messages: [{ role: 'user' as const, content: 'Hi' }], params: { extra: { max_completion_tokens: -1 } } };
    const results = await batchChat(model, ['Hi', refused, 'Bye'], { pollInterval: 1 });
    expect(isLlmError(results[0])).toBe(false);
    expect(results[1]).toBeInstanceOf(BadRequestError);
    expect((results[1] as BadRequestError).message).toMatch(/max_/);
    expect(isLlmError(results[2])).toBe(false);
  });

  it('batchChatText gives texts in input order', async () => {
    const model = await start({ batchDelayMs: 0 });
    const texts = await batchChatText(model, ['a', 'b'], { pollInterval: 1 });
    expect(texts.every((text) => typeof text === 'string')).toBe(true);
  });
});

describe('batchChatStructured over OpenAI Batch (mock)', () => {
  it('sends the schema with each prompt and validates each answer', async () => {
    const model = await start({ batchDelayMs: 0 });
    const city = z.object({ name: z.string(), country: z.string() });
    const results = await batchChatStructured(model, ['A city in Peru.', 'A city in Chile.'], city, { pollInterval: 1 });
    expect(results).toHaveLength(2);
    for (const result of results) expect(city.safeParse(result).success).toBe(true);
  });
});
