import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defer, tap } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { anthropic, APICallError, batchChat, type BatchJobProgress, type ChatModel, customModel, isLlmError, openai, partialResultsOf, RateLimitError } from '../../src/index.js';
import { type MockServer, type MockServerOptions, startMockServer } from '../../src/mock-server/index.js';

// A batch create that the provider refuses, or that an abort overtakes, against the mock's Batch APIs: the refused
// chunk's items fail (and only they), and a batch created while the job was being aborted is saved and cancelled.

let server: MockServer | undefined;
let dir: string;
let now = 1_765_000_000_000;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rxllm-batch-create-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(options: MockServerOptions = {}): Promise<MockServer> {
  now = 1_765_000_000_000;
  server = await startMockServer({ batchDelayMs: 10_000, clock: () => now, ...options });
  return server;
}

const tick = () => {
  now += 4_000;
};
const prompts = (count: number) => Array.from({ length: count }, (_, index) => `Question ${index}?`);
const okCount = (results: unknown[]) => results.filter((result) => result !== null && !isLlmError(result)).length;

const openaiModel = (mock: MockServer, headers?: Record<string, string>) =>
  openai({ model: 'gpt-4o-mini', baseURL: mock.openaiBaseURL, apiKey: 'sk-mock', batchApi: true, maxRetries: 0, ...(headers ? { headers } : {}) });
const anthropicModel = (mock: MockServer, headers?: Record<string, string>) =>
  anthropic({ model: 'claude-haiku-4-5', baseURL: mock.anthropicBaseURL, apiKey: 'sk-ant-mock', batchApi: true, maxRetries: 0, ...(headers ? { headers } : {}) });

/** `clean`'s provider, with its batch `create` replaced. */
function withCreate(clean: ChatModel, create: NonNullable<ChatModel['provider']['batch']>['create'], maxRetries = 0): ChatModel {
  const batch = { ...clean.provider.batch!, create };
  return customModel({ ...clean.provider, batch }, { model: clean.model, params: clean.params, retry: { maxRetries } });
}

async function listedBatches(mock: MockServer): Promise<{ id: string; status: string }[]> {
  const response = await fetch(`${mock.openaiBaseURL}/batches?limit=100`, { headers: { authorization: 'Bearer sk-mock' } });
  return ((await response.json()) as { data: { id: string; status: string }[] }).data;
}

describe('batchChat when a batch create is refused', () => {
  it("Anthropic's 413 for an over-limit create fails only that batch's items; the other batch is answered", async () => {
    // The mock allows 2 requests per message batch; the job is cut into batches of 3 and 2.
    const mock = await start({ batchMaxRequests: 2 });
    const results = await batchChat(anthropicModel(mock), prompts(5), { pollInterval: 1, batchLimits: { maxRequests: 3 }, onProgress: tick });
    expect(results).toHaveLength(5);
    for (const index of [0, 1, 2]) {
      expect(results[index]).toBeInstanceOf(APICallError);
      expect((results[index] as APICallError).status).toBe(413);
    }
    expect(okCount(results)).toBe(2);
    expect(okCount(results.slice(3))).toBe(2);
  });

  it("OpenAI's 400 on create fails only that batch's items, and resubmit: 'failed' sends them again in a new batch", async () => {
    const mock = await start();
    const clean = openaiModel(mock);
    const refused = openaiModel(mock, { 'x-mock-batch-fault': 'bogus' }); // the mock answers a 400 for this header value
    let creates = 0;
    const model = withCreate(clean, (lines) => (creates++ === 0 ? refused : clean).provider.batch!.create(lines));
    const once = await batchChat(model, prompts(4), { pollInterval: 1, batchLimits: { maxRequests: 2 }, onProgress: tick });
    expect(once.slice(0, 2).every((result) => result instanceof APICallError && result.status === 400)).toBe(true);
    expect(okCount(once.slice(2))).toBe(2);

    creates = 0;
    const reports: BatchJobProgress[] = [];
    const again = await batchChat(model, prompts(4), { pollInterval: 1, batchLimits: { maxRequests: 2 }, resubmit: 'failed', onProgress: (progress) => (reports.push(progress), tick()) });
    expect(okCount(again)).toBe(4);
    expect(reports.at(-1)!.batches.map((batch) => batch.round)).toEqual([0, 1]);
  });
});

describe('batchChat when a batch create is rate limited', () => {
  it('waits the retry-after of a 429 and creates the batch again (one batch on the server), every prompt answered', async () => {
    const mock = await start({ faultRetryAfterMs: 5 });
    const clean = anthropicModel(mock);
    const limited = anthropicModel(mock, { 'x-mock-batch-fault': '429' }); // the mock answers 429 with retry-after
    let attempts = 0;
    const model = withCreate(clean, (lines) => defer(() => (attempts++ === 0 ? limited : clean).provider.batch!.create(lines)), 2);
    const results = await batchChat(model, prompts(3), { pollInterval: 1, onProgress: tick });
    expect(attempts).toBe(2);
    expect(okCount(results)).toBe(3);
    const listed = await fetch(`${mock.anthropicBaseURL}/v1/messages/batches`, { headers: { 'x-api-key': 'sk-ant-mock', 'anthropic-version': '2023-06-01' } });
    expect(((await listed.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it('fails only the refused batch once the retries are spent', async () => {
    const mock = await start({ faultRetryAfterMs: 5 });
    const clean = anthropicModel(mock);
    const limited = anthropicModel(mock, { 'x-mock-batch-fault': '429' });
    let creates = 0;
    // maxRetries 1: the first batch's create is tried twice, refused both times; the second batch's goes through.
    const model = withCreate(clean, (lines) => (creates++ < 2 ? limited : clean).provider.batch!.create(lines), 1);
    const results = await batchChat(model, prompts(4), { pollInterval: 1, batchLimits: { maxRequests: 2 }, onProgress: tick });
    expect(creates).toBe(3);
    expect(results[0]).toBeInstanceOf(RateLimitError);
    expect(results[1]).toBeInstanceOf(RateLimitError);
    expect(okCount(results.slice(2))).toBe(2);
  });
});

describe('batchChat aborted while a batch create is in flight', () => {
  it('saves the id of the batch the server created, cancels it, and rejects with the reason', async () => {
    const mock = await start();
    const clean = openaiModel(mock);
    const controller = new AbortController();
    const reason = new Error('stop');
    // The abort lands once the server has answered the create, before the job has seen the answer.
    const abortingModel = withCreate(clean, (lines) => clean.provider.batch!.create(lines).pipe(tap(() => controller.abort(reason))));
    const statePath = join(dir, 'job.batch-state.json');
    const error = await batchChat(abortingModel, prompts(3), { statePath, pollInterval: 1, signal: controller.signal, onProgress: tick }).catch((caught: unknown) => caught);
    expect(error).toBe(reason);
    const created = await listedBatches(mock);
    expect(created).toHaveLength(1);
    const saved = JSON.parse(await readFile(statePath, 'utf8')) as { batches: { id: string }[] };
    expect(saved.batches.map((batch) => batch.id)).toEqual([created[0]!.id]);
    expect(created[0]!.status).toMatch(/^cancel/);
    expect(partialResultsOf<unknown>(error)).toHaveLength(3);
  });
});
