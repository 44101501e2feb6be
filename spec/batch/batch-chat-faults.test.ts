import { afterEach, describe, expect, it } from 'vitest';
import {
  anthropic,
  BadRequestError,
  batchChat,
  type BatchJobProgress,
  type ChatModel,
  customModel,
  isLlmError,
  type LlmError,
  openai,
  partialResultsOf,
  ServerError,
} from '../../src/index.js';
import { type MockServer, type MockServerOptions, startMockServer } from '../../src/mock-server/index.js';

// batchChat's faults on both Batch APIs of the mock: expired, failed and cancelled batches, per-item errors,
// resubmission rounds, and OpenAI's enqueued-token limit. The mock's batch clock is the test's own, moved on every
// progress report. A fault is forced on a batch with the mock's `x-mock-batch-fault` header, sent by a second real
// adapter for the first create only.

let server: MockServer | undefined;
let now = 1_765_000_000_000;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Flavour {
  name: string;
  model(server: MockServer, headers?: Record<string, string>): ChatModel;
  /** Params that the endpoint refuses for one item. */
  refusedParams: Record<string, unknown>;
}

const flavours: Flavour[] = [
  {
    name: 'OpenAI Batch',
    model: (mock, headers) => openai({ model: 'gpt-4o-mini', baseURL: mock.openaiBaseURL, apiKey: 'sk-mock', batchApi: true, maxRetries: 0, ...(headers ? { headers } : {}) }),
    refusedParams: { max_completion_tokens: -1 },
  },
  {
    name: 'Anthropic Message Batches',
    model: (mock, headers) => anthropic({ model: 'claude-haiku-4-5', baseURL: mock.anthropicBaseURL, apiKey: 'sk-ant-mock', batchApi: true, maxRetries: 0, ...(headers ? { headers } : {}) }),
    refusedParams: { max_tokens: -1 },
  },
];

async function start(options: MockServerOptions = {}): Promise<MockServer> {
  now = 1_765_000_000_000;
  server = await startMockServer({ batchDelayMs: 10_000, clock: () => now, ...options });
  return server;
}

/** The clean model, except that its first batch create carries `x-mock-batch-fault: fault`. */
function faultOnFirstBatch(flavour: Flavour, mock: MockServer, fault: 'expired' | 'failed'): ChatModel {
  const clean = flavour.model(mock);
  const faulty = flavour.model(mock, { 'x-mock-batch-fault': fault });
  let creates = 0;
  const batch = { ...clean.provider.batch!, create: (lines: readonly string[]) => (creates++ === 0 ? faulty : clean).provider.batch!.create(lines) };
  return customModel({ ...clean.provider, batch }, { model: clean.model, params: clean.params, retry: { maxRetries: 0 } });
}

const tick = () => {
  now += 4_000;
};
const prompts = (count: number) => Array.from({ length: count }, (_, index) => `Question ${index}?`);
const okCount = (results: unknown[]) => results.filter((result) => result !== null && !isLlmError(result)).length;

describe.each(flavours)('batchChat faults over $name (mock)', (flavour) => {
  it('splits a job into several batches and answers every prompt in input order', async () => {
    const mock = await start();
    const reports: BatchJobProgress[] = [];
    const results = await batchChat(flavour.model(mock), prompts(5), { pollInterval: 1, batchLimits: { maxRequests: 2 }, onProgress: (progress) => (reports.push(progress), tick()) });
    expect(reports.at(-1)!.batches.map((batch) => batch.requests)).toEqual([2, 2, 1]);
    expect(okCount(results)).toBe(5);
    for (const result of results) expect(result !== null && !isLlmError(result) && result.text.length > 0 && result.usage.outputTokens > 0).toBe(true);
  });

  it('maps an item the endpoint refuses to its error class and keeps the others', async () => {
    const mock = await start({ batchDelayMs: 0 });
    const refused = { messages: [{ role: 'user' as const, content: 'Hi' }], params: { extra: flavour.refusedParams } };
    const results = await batchChat(flavour.model(mock), ['Hi', refused, 'Bye'], { pollInterval: 1 });
    expect(results[1]).toBeInstanceOf(BadRequestError);
    expect(okCount(results)).toBe(2);
  });

  it('an expired batch keeps what finished; the rest are batch_expired errors, or go out again with resubmit: expired', async () => {
    let mock = await start();
    const kept = await batchChat(faultOnFirstBatch(flavour, mock, 'expired'), prompts(10), { pollInterval: 1, onProgress: tick });
    const expired = kept.filter((result) => isLlmError(result)) as LlmError[];
    expect(expired.length).toBeGreaterThan(0);
    expect(expired.every((error) => error.code === 'batch_expired' && error.retryable)).toBe(true);
    expect(okCount(kept)).toBe(10 - expired.length);
    await server!.close();

    mock = await start();
    const reports: BatchJobProgress[] = [];
    const resubmitted = await batchChat(faultOnFirstBatch(flavour, mock, 'expired'), prompts(10), {
      pollInterval: 1,
      resubmit: 'expired',
      onProgress: (progress) => (reports.push(progress), tick()),
    });
    expect(okCount(resubmitted)).toBe(10);
    expect(reports.at(-1)!.batches.map((batch) => [batch.round, batch.outcome])).toEqual([
      [0, 'expired'],
      [1, 'completed'],
    ]);
  });

  it('a batch failed at validation fails each item naming the reason; resubmit: failed sends them again', async () => {
    let mock = await start();
    const failed = await batchChat(faultOnFirstBatch(flavour, mock, 'failed'), prompts(3), { pollInterval: 1, onProgress: tick });
    expect(failed.every((result) => isLlmError(result) && /fail/i.test(result.message))).toBe(true);
    await server!.close();

    mock = await start();
    const again = await batchChat(faultOnFirstBatch(flavour, mock, 'failed'), prompts(3), { pollInterval: 1, resubmit: 'failed', onProgress: tick });
    expect(okCount(again)).toBe(3);
  });

  it('resubmits server-errored items for at most resubmitRounds rounds', async () => {
    const mock = await start({ batchDelayMs: 0, batchErrorRate: 0.5, seed: 7 });
    const once = await batchChat(flavour.model(mock), prompts(20), { pollInterval: 1 });
    const errored = once.filter((result) => result instanceof ServerError).length;
    expect(errored).toBeGreaterThan(0);
    const reports: BatchJobProgress[] = [];
    const retried = await batchChat(flavour.model(mock), prompts(20), { pollInterval: 1, resubmit: 'failed', resubmitRounds: 2, onProgress: (progress) => reports.push(progress) });
    expect(retried.filter((result) => result instanceof ServerError).length).toBeLessThan(errored);
    expect(Math.max(...reports.at(-1)!.batches.map((batch) => batch.round))).toBeLessThanOrEqual(2);
  });

  it('an abort cancels the provider batches, keeps what finished and rejects with the reason', async () => {
    const mock = await start();
    const controller = new AbortController();
    const reason = new Error('stop');
    const run = batchChat(flavour.model(mock), prompts(10), {
      pollInterval: 1,
      signal: controller.signal,
      onProgress: (progress) => {
        tick();
        if (progress.batches.length > 0 && now >= 1_765_000_000_000 + 8_000) controller.abort(reason);
      },
    });
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBe(reason);
    const partial = partialResultsOf<unknown>(error)!;
    expect(partial).toHaveLength(10);
    const finished = okCount(partial);
    expect(finished).toBeGreaterThan(0);
    expect(finished).toBeLessThan(10);
    expect(partial.filter((result) => result === null)).toHaveLength(10 - finished);
  });
});

describe('batchChat and the enqueued-token limit (OpenAI Batch, mock)', () => {
  it('waits for room and submits a refused batch again instead of failing the job', async () => {
    const mock = await start({ batchEnqueuedTokenLimit: 1_000 });
    const reports: BatchJobProgress[] = [];
    const long = Array.from({ length: 20 }, (_, index) => `${index} ${'x'.repeat(200)}`);
    const results = await batchChat(flavours[0]!.model(mock), long, { pollInterval: 1, batchLimits: { maxRequests: 10 }, onProgress: (progress) => (reports.push(progress), tick()) });
    expect(okCount(results)).toBe(20);
    expect(reports.some((progress) => progress.waiting > 0)).toBe(true);
    const listed = (await (await fetch(`${mock.openaiBaseURL}/batches?limit=100`, { headers: { authorization: 'Bearer sk-mock' } })).json()) as { data: { status: string }[] };
    expect(listed.data.filter((batch) => batch.status === 'failed').length).toBeGreaterThan(0);
    expect(reports.at(-1)!.batches).toHaveLength(2);
  });
});
