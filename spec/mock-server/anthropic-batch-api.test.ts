import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockServer, type MockServerOptions, startMockServer } from '../../src/mock-server/index.js';

// Anthropic's Message Batches API on the mock, judged by the official client (@anthropic-ai/sdk 1.17): create,
// retrieve, list, cancel and results (which the client fetches from `results_url` and decodes as JSONL). Time is the
// test's own clock (`clock` option), moved by hand: no sleeps.

let server: MockServer | undefined;
let now = 1_765_000_000_000;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: MockServerOptions = {}): Promise<Anthropic> {
  now = 1_765_000_000_000;
  server = await startMockServer({ batchDelayMs: 10_000, clock: () => now, ...options });
  return new Anthropic({ apiKey: 'sk-ant-mock', baseURL: server.anthropicBaseURL, maxRetries: 0, timeout: 5_000 });
}

type Params = Anthropic.Messages.MessageCreateParamsNonStreaming;
const params = (content: string, extra: Partial<Params> = {}): Params => ({ model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content }], ...extra });
const requests = (count: number, prefix = 'item') =>
  Array.from({ length: count }, (_, index) => ({ custom_id: `${prefix}-${index}`, params: params(`Question ${prefix}-${index}`) }));

async function results(client: Anthropic, id: string): Promise<Anthropic.Messages.MessageBatchIndividualResponse[]> {
  const out: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
  for await (const line of await client.messages.batches.results(id)) out.push(line);
  return out;
}

describe('Anthropic Message Batches on the mock: the lifecycle', () => {
  it('stays in_progress with every request processing until it has ended, then gives results_url and the counts', async () => {
    const client = await start();
    const created = await client.messages.batches.create({ requests: requests(10) });
    expect(created).toMatchObject({ type: 'message_batch', processing_status: 'in_progress', results_url: null, ended_at: null, cancel_initiated_at: null });
    expect(created.request_counts).toEqual({ processing: 10, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(86_400_000);
    now += 9_999;
    const running = await client.messages.batches.retrieve(created.id);
    expect(running.processing_status).toBe('in_progress');
    expect(running.request_counts.processing).toBe(10);
    await expect(client.messages.batches.results(created.id)).rejects.toThrow(/results_url/);
    now += 1;
    const ended = await client.messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.ended_at).toBe(new Date(now).toISOString());
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 10, errored: 0, canceled: 0, expired: 0 });
    expect(ended.results_url).toBe(`${server!.url}/v1/messages/batches/${created.id}/results`);
  });

  it('streams one succeeded result per custom_id, not in input order, each the message the live endpoint gives', async () => {
    const client = await start({ batchDelayMs: 0 });
    const sent = requests(12);
    const batch = await client.messages.batches.create({ requests: sent });
    const lines = await results(client, batch.id);
    const order = lines.map((line) => line.custom_id);
    expect([...order].sort()).toEqual(sent.map((request) => request.custom_id).sort());
    expect(order).not.toEqual(sent.map((request) => request.custom_id));
    for (const line of lines) {
      expect(line.result.type).toBe('succeeded');
      const message = (line.result as Anthropic.Messages.MessageBatchSucceededResult).message;
      const live = await client.messages.create(params(`Question ${line.custom_id}`));
      expect(message.content).toEqual(live.content);
      expect(message.usage).toEqual(live.usage);
      expect(message.type).toBe('message');
    }
  });

  it('lists message batches newest first, paging with limit and after_id / before_id (the client follows the cursor)', async () => {
    const client = await start({ batchDelayMs: 0 });
    const created: string[] = [];
    for (let index = 0; index < 5; index++) created.push((await client.messages.batches.create({ requests: requests(1, `b${index}`) })).id);
    const page = await client.messages.batches.list({ limit: 2 });
    expect(page.data.map((batch) => batch.id)).toEqual([created[4], created[3]]);
    expect(page).toMatchObject({ has_more: true, first_id: created[4], last_id: created[3] });
    const all: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual([...created].reverse());
    const before = await client.messages.batches.list({ limit: 2, before_id: created[1] });
    expect(before.data.map((batch) => batch.id)).toEqual([created[3], created[2]]);
  });
});

describe('Anthropic Message Batches on the mock: errors, limits, faults', () => {
  it('turns a request whose params the endpoint refuses into an errored result, and batchErrorRate draws api_error results', async () => {
    const client = await start({ batchDelayMs: 0, batchErrorRate: 0.3 });
    const sent = [...requests(20), { custom_id: 'no-max-tokens', params: { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'x' }] } as unknown as Params }];
    const batch = await client.messages.batches.create({ requests: sent });
    const lines = await results(client, batch.id);
    const bad = lines.find((line) => line.custom_id === 'no-max-tokens');
    expect(bad?.result).toMatchObject({ type: 'errored', error: { type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/max_tokens/) } } });
    const serverErrors = lines.filter((line) => line.result.type === 'errored' && line.result.error.error.type === 'api_error');
    expect(serverErrors.length).toBeGreaterThan(0);
    expect(serverErrors.length).toBeLessThan(20);
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 20 - serverErrors.length, errored: serverErrors.length + 1, canceled: 0, expired: 0 });
  });

  it('refuses a bad or duplicate custom_id at create (400), and a batch over batchMaxRequests or batchMaxBytes (413)', async () => {
    const client = await start({ batchMaxRequests: 10, batchMaxBytes: 4_000 });
    await expect(client.messages.batches.create({ requests: [{ custom_id: 'has space', params: params('x') }] })).rejects.toThrow(/custom_id/);
    await expect(client.messages.batches.create({ requests: [{ custom_id: 'a'.repeat(65), params: params('x') }] })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(client.messages.batches.create({ requests: [{ custom_id: 'same', params: params('x') }, { custom_id: 'same', params: params('y') }] })).rejects.toThrow(/unique/);
    expect((await client.messages.batches.create({ requests: requests(10) })).request_counts.processing).toBe(10);
    const tooMany = client.messages.batches.create({ requests: requests(11) });
    await expect(tooMany).rejects.toMatchObject({ status: 413 });
    await expect(tooMany).rejects.toThrow(/11 requests, more than the 10/);
    const tooBig = [{ custom_id: 'big', params: params('q'.repeat(5_000)) }];
    await expect(client.messages.batches.create({ requests: tooBig })).rejects.toMatchObject({ status: 413, error: { error: { type: 'request_too_large' } } });
  });

  it('expires a batch (x-mock-batch-fault: expired): succeeded results for what finished, expired for the rest', async () => {
    const client = await start();
    const batch = await client.messages.batches.create({ requests: requests(10) }, { headers: { 'x-mock-batch-fault': 'expired' } });
    now += 5_000;
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 5, errored: 0, canceled: 0, expired: 5 });
    const types = (await results(client, batch.id)).map((line) => line.result.type);
    expect(types.filter((type) => type === 'expired').length).toBe(5);
    expect(types.filter((type) => type === 'succeeded').length).toBe(5);
  });

  it('answers every request errored in a batch that fails validation (batchFaults.failed)', async () => {
    const client = await start({ batchDelayMs: 0, batchFaults: { failed: 1 } });
    const batch = await client.messages.batches.create({ requests: requests(3) });
    const lines = await results(client, batch.id);
    expect(lines.map((line) => line.result.type)).toEqual(['errored', 'errored', 'errored']);
    expect((await client.messages.batches.retrieve(batch.id)).request_counts.errored).toBe(3);
  });

  it('cancels: canceling, then ended with the finished requests succeeded and the others canceled', async () => {
    const client = await start();
    const batch = await client.messages.batches.create({ requests: requests(10) });
    now += 5_000;
    const canceling = await client.messages.batches.cancel(batch.id);
    expect(canceling.processing_status).toBe('canceling');
    expect(canceling.cancel_initiated_at).toBe(new Date(now).toISOString());
    now += 1_000;
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended.processing_status).toBe('ended');
    const { succeeded, canceled } = ended.request_counts;
    expect(succeeded).toBeGreaterThan(0);
    expect(canceled).toBeGreaterThan(0);
    expect(succeeded + canceled).toBe(10);
    const lines = await results(client, batch.id);
    expect(lines.filter((line) => line.result.type === 'succeeded').length).toBe(succeeded);
    expect(lines.filter((line) => line.result.type === 'canceled').length).toBe(canceled);
  });

  it('deletes a message batch once it has ended (400 before), after which it is not found', async () => {
    const client = await start();
    const batch = await client.messages.batches.create({ requests: requests(2) });
    await expect(client.messages.batches.delete(batch.id)).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    now += 10_000;
    expect(await client.messages.batches.delete(batch.id)).toEqual({ id: batch.id, type: 'message_batch_deleted' });
    await expect(client.messages.batches.retrieve(batch.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('answers 404 for an unknown batch and for results before the batch has ended', async () => {
    const client = await start();
    await expect(client.messages.batches.retrieve('msgbatch_nope')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    for (const path of ['/v1/messages/batches/%E0', '/v1/batches/%E0', '/v1/files/%E0/content']) {
      expect((await fetch(`${server!.url}${path}`)).status).toBe(404); // a malformed escape is an unknown id, not a crash
    }
    const batch = await client.messages.batches.create({ requests: requests(1) });
    const response = await fetch(`${server!.url}/v1/messages/batches/${batch.id}/results`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});
