import OpenAI, { toFile } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockServer, type MockServerOptions, startMockServer } from '../../src/mock-server/index.js';

// OpenAI's Files and Batch APIs on the mock, judged by the official client (openai-node 6.49): it must accept every
// answer, parse the batch objects, page the list and download the output and error files. Time is the test's own
// clock (`clock` option), moved by hand: no sleeps.

let server: MockServer | undefined;
let now = 1_765_000_000_000;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: MockServerOptions = {}): Promise<OpenAI> {
  now = 1_765_000_000_000;
  server = await startMockServer({ batchDelayMs: 10_000, clock: () => now, ...options });
  return new OpenAI({ apiKey: 'sk-mock', baseURL: server.openaiBaseURL, maxRetries: 0, timeout: 5_000 });
}

const chatLine = (customId: string, content: string, model = 'gpt-4o-mini', extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content }], ...extra } });

async function upload(client: OpenAI, lines: string[]): Promise<string> {
  const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'batch.jsonl'), purpose: 'batch' });
  return file.id;
}

async function createBatch(client: OpenAI, lines: string[], headers: Record<string, string> = {}): Promise<OpenAI.Batch> {
  const inputFileId = await upload(client, lines);
  return client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h' }, { headers });
}

async function jsonl(client: OpenAI, fileId: string | null | undefined): Promise<Array<Record<string, any>>> {
  if (fileId === null || fileId === undefined) return [];
  const text = await (await client.files.content(fileId)).text();
  return text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
}

const ids = (count: number) => Array.from({ length: count }, (_, index) => `item-${index}`);

describe('OpenAI Files API on the mock', () => {
  it('uploads a batch file (multipart), retrieves it and gives its content back byte for byte', async () => {
    const client = await start();
    const text = `${chatLine('a', 'Hello')}\n${chatLine('b', 'Bonjour')}\n`;
    const file = await client.files.create({ file: await toFile(Buffer.from(text), 'input.jsonl'), purpose: 'batch' });
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'input.jsonl', bytes: Buffer.byteLength(text) });
    expect(await client.files.retrieve(file.id)).toEqual(file);
    expect(await (await client.files.content(file.id)).text()).toBe(text);
    await expect(client.files.retrieve('file-missing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('deletes a file (files.delete), after which it is not found', async () => {
    const client = await start();
    const id = await upload(client, [chatLine('a', 'x')]);
    expect(await client.files.delete(id)).toEqual({ id, object: 'file', deleted: true });
    await expect(client.files.retrieve(id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(client.files.delete(id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('refuses an upload without purpose or with an unknown one (400 naming the field)', async () => {
    const client = await start();
    const file = await toFile(Buffer.from(chatLine('a', 'x')), 'input.jsonl');
    await expect(client.files.create({ file, purpose: 'nonsense' as 'batch' })).rejects.toThrow(/purpose/);
  });
});

describe('OpenAI Batch API on the mock: the lifecycle', () => {
  it('goes validating → in_progress → finalizing → completed over batchDelayMs, counting items as they finish', async () => {
    const client = await start();
    const created = await createBatch(client, ids(10).map((id) => chatLine(id, `Question ${id}`)));
    expect(created).toMatchObject({ object: 'batch', status: 'validating', endpoint: '/v1/chat/completions', completion_window: '24h', request_counts: { total: 0, completed: 0, failed: 0 } });
    expect(created.created_at).toBe(Math.floor(now / 1000));
    const seen: string[] = [];
    const counts: number[] = [];
    for (let step = 1; step <= 10; step++) {
      now += 1_000;
      const batch = await client.batches.retrieve(created.id);
      seen.push(batch.status);
      counts.push(batch.request_counts?.completed ?? -1);
    }
    expect(seen).toEqual(['in_progress', 'in_progress', 'in_progress', 'in_progress', 'in_progress', 'in_progress', 'in_progress', 'in_progress', 'finalizing', 'completed']);
    // Items finish evenly over in_progress (from 10 % to 90 % of the delay): 10 items, one every 800 ms after 1 s.
    expect(counts).toEqual(counts.map((_, step) => Math.min(10, Math.floor(((step + 1) * 1_000 - 1_000) / 800))));
    expect(counts[0]).toBe(0);
    expect(counts[7]).toBeLessThan(10);
    const done = await client.batches.retrieve(created.id);
    expect(done.request_counts).toEqual({ total: 10, completed: 10, failed: 0 });
    expect(done.output_file_id).toMatch(/^file-/);
    expect(done.error_file_id).toBeNull();
    expect(done.in_progress_at).toBeLessThanOrEqual(done.finalizing_at!);
    expect(done.completed_at).toBe(Math.floor(now / 1000));
    const output = await jsonl(client, done.output_file_id);
    const sum = (field: 'prompt_tokens' | 'completion_tokens') => output.reduce((total, line) => total + (line.response.body.usage[field] as number), 0);
    expect(done.usage).toMatchObject({ input_tokens: sum('prompt_tokens'), output_tokens: sum('completion_tokens'), total_tokens: sum('prompt_tokens') + sum('completion_tokens') });
    expect(done.usage!.input_tokens).toBeGreaterThan(0);
  });

  it('writes one output line per custom_id, not in input order, each the answer the live endpoint gives', async () => {
    const client = await start();
    const prompts = ids(12);
    const batch = await createBatch(client, prompts.map((id) => chatLine(id, `Tell me about ${id}`)));
    now += 10_000;
    const done = await client.batches.retrieve(batch.id);
    const lines = await jsonl(client, done.output_file_id);
    const order = lines.map((line) => line.custom_id as string);
    expect([...order].sort()).toEqual([...prompts].sort());
    expect(order).not.toEqual(prompts);
    for (const line of lines) {
      expect(line).toMatchObject({ id: expect.stringMatching(/^batch_req_/), response: { status_code: 200, request_id: expect.stringMatching(/^req_/) }, error: null });
      const live = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Tell me about ${line.custom_id}` }] });
      const body = line.response.body as OpenAI.ChatCompletion;
      expect(body.object).toBe('chat.completion');
      expect(body.choices[0]!.message.content).toBe(live.choices[0]!.message.content);
      expect(body.usage).toEqual(live.usage);
    }
  });

  it('answers a /v1/responses batch with response objects', async () => {
    const client = await start({ batchDelayMs: 0 });
    const line = JSON.stringify({ custom_id: 'r1', method: 'POST', url: '/v1/responses', body: { model: 'gpt-5-mini', input: 'Hi there' } });
    const inputFileId = await upload(client, [line]);
    const batch = await client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/responses', completion_window: '24h', metadata: { job: 'eval-7' } });
    expect(batch.metadata).toEqual({ job: 'eval-7' });
    const done = await client.batches.retrieve(batch.id);
    expect(done.status).toBe('completed');
    const [output] = await jsonl(client, done.output_file_id);
    expect(output!.response.body).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-5-mini' });
  });

  it('lists batches newest first, paging with limit and after (the client follows the cursor)', async () => {
    const client = await start({ batchDelayMs: 0 });
    const created: string[] = [];
    for (let index = 0; index < 5; index++) created.push((await createBatch(client, [chatLine('x', `n${index}`)])).id);
    const page = await client.batches.list({ limit: 2 });
    expect(page.data.map((batch) => batch.id)).toEqual([created[4], created[3]]);
    expect(page.has_more).toBe(true);
    const all: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual([...created].reverse());
    await expect(client.batches.list({ limit: 0 })).rejects.toThrow(/limit/);
  });
});

describe('OpenAI Batch API on the mock: errors, limits, faults', () => {
  it('puts per-item errors in the error file: a body the endpoint refuses (400) and batchErrorRate server errors (500)', async () => {
    const client = await start({ batchDelayMs: 0, batchErrorRate: 0.3 });
    const lines = ids(20).map((id) => chatLine(id, `Item ${id}`));
    lines.push(chatLine('bad-body', 'x', 'gpt-4o-mini', { max_tokens: -1 }));
    const batch = await createBatch(client, lines);
    const done = await client.batches.retrieve(batch.id);
    const output = await jsonl(client, done.output_file_id);
    const errors = await jsonl(client, done.error_file_id);
    expect(done.request_counts).toEqual({ total: 21, completed: output.length, failed: errors.length });
    const bad = errors.find((line) => line.custom_id === 'bad-body');
    expect(bad?.response).toMatchObject({ status_code: 400, body: { error: { type: 'invalid_request_error', message: expect.stringMatching(/max_tokens/) } } });
    const serverErrors = errors.filter((line) => line.response.status_code === 500);
    expect(serverErrors.length).toBeGreaterThan(0);
    expect(serverErrors.length).toBeLessThan(20);
    const outputIds = new Set(output.map((line) => line.custom_id));
    expect(errors.every((line) => !outputIds.has(line.custom_id))).toBe(true);
  });

  it('fails validation with errors.data (code, message, line) for a bad line, a duplicate custom_id, another model, another url', async () => {
    const client = await start();
    const lines = [
      chatLine('a', 'one'),
      '{not json',
      chatLine('a', 'two'),
      chatLine('c', 'three', 'gpt-4o'),
      JSON.stringify({ custom_id: 'd', method: 'POST', url: '/v1/responses', body: { model: 'gpt-4o-mini', input: 'x' } }),
    ];
    const batch = await createBatch(client, lines);
    expect(batch.status).toBe('validating');
    now += 1_000;
    const failed = await client.batches.retrieve(batch.id);
    expect(failed.status).toBe('failed');
    expect(failed.failed_at).toBe(Math.floor(now / 1000));
    expect(failed.errors?.data?.map(({ code, line }) => ({ code, line }))).toEqual([
      { code: 'invalid_json_line', line: 2 },
      { code: 'duplicate_custom_id', line: 3 },
      { code: 'model_mismatch', line: 4 },
      { code: 'url_mismatch', line: 5 },
    ]);
    expect(failed.errors?.data?.[0]?.message).toBe('This line is not parseable as valid JSON.');
    expect(failed.output_file_id).toBeNull();
    expect(failed.request_counts).toEqual({ total: 0, completed: 0, failed: 0 });
  });

  it('holds an input file to batchMaxRequests and batchMaxBytes when the batch is created', async () => {
    const client = await start({ batchMaxRequests: 10, batchMaxBytes: 2_000, batchDelayMs: 0 });
    const ten = await createBatch(client, ids(10).map((id) => chatLine(id, 'q')));
    expect((await client.batches.retrieve(ten.id)).status).toBe('completed');
    const eleven = await client.batches.retrieve((await createBatch(client, ids(11).map((id) => chatLine(id, 'q')))).id);
    expect(eleven.status).toBe('failed');
    expect(eleven.errors?.data?.[0]).toMatchObject({ code: 'too_many_tasks', message: expect.stringMatching(/11 requests, more than the 10/) });
    const big = await client.batches.retrieve((await createBatch(client, ids(3).map((id) => chatLine(id, 'q'.repeat(800))))).id);
    expect(big.status).toBe('failed');
    expect(big.errors?.data?.[0]?.code).toBe('file_too_large');
  });

  it('refuses a create with a bad endpoint, completion_window, metadata or file (400 / 404 naming the field)', async () => {
    const client = await start();
    const inputFileId = await upload(client, [chatLine('a', 'x')]);
    await expect(client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/embeddings', completion_window: '24h' })).rejects.toThrow(/endpoint/);
    await expect(client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '48h' as '24h' })).rejects.toThrow(/completion_window/);
    await expect(client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { k: 1 as unknown as string } })).rejects.toThrow(/metadata/);
    await expect(client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('expires a batch (x-mock-batch-fault: expired): finished items kept in the output, the rest batch_expired in the error file', async () => {
    const client = await start();
    const prompts = ids(10);
    const batch = await createBatch(client, prompts.map((id) => chatLine(id, id)), { 'x-mock-batch-fault': 'expired' });
    now += 4_000;
    expect((await client.batches.retrieve(batch.id)).status).toBe('in_progress');
    now += 1_000;
    const expired = await client.batches.retrieve(batch.id);
    expect(expired.status).toBe('expired');
    expect(expired.expired_at).toBe(Math.floor(now / 1000));
    const output = await jsonl(client, expired.output_file_id);
    const errors = await jsonl(client, expired.error_file_id);
    expect(output.length).toBe(5);
    expect(expired.request_counts).toEqual({ total: 10, completed: 5, failed: 0 });
    expect(errors.map((line) => line.error)).toEqual(Array(5).fill({ code: 'batch_expired', message: expect.stringMatching(/completion window expired/) }));
    expect(errors.every((line) => line.response === null)).toBe(true);
    expect([...output, ...errors].map((line) => line.custom_id).sort()).toEqual([...prompts].sort());
  });

  it('fails a batch that batchFaults.failed draws, with errors.data', async () => {
    const client = await start({ batchFaults: { failed: 1 }, batchDelayMs: 0 });
    const batch = await client.batches.retrieve((await createBatch(client, [chatLine('a', 'x')])).id);
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.length).toBe(1);
    const forcedNone = await client.batches.retrieve((await createBatch(client, [chatLine('a', 'x')], { 'x-mock-batch-fault': 'none' })).id);
    expect(forcedNone.status).toBe('completed');
  });

  it('cancels: cancelling, then cancelled with the output of what finished before the cancel', async () => {
    const client = await start();
    const batch = await createBatch(client, ids(10).map((id) => chatLine(id, id)));
    now += 5_000;
    const cancelling = await client.batches.cancel(batch.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toBe(Math.floor(now / 1000));
    const finished = cancelling.request_counts!.completed;
    expect(finished).toBeGreaterThan(0);
    expect(finished).toBeLessThan(10);
    now += 1_000;
    const cancelled = await client.batches.retrieve(batch.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.request_counts!.completed).toBe(finished);
    expect((await jsonl(client, cancelled.output_file_id)).length).toBe(finished);
    await expect(client.batches.cancel(batch.id)).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('fails a batch over the enqueued-token limit (created, then failed with token_limit_exceeded); room again once others end', async () => {
    const client = await start({ batchEnqueuedTokenLimit: 1_000 });
    const lines = ids(10).map((id) => chatLine(id, 'x'.repeat(200))); // ~ 10 × 62 estimated input tokens
    const first = await createBatch(client, lines);
    const second = await createBatch(client, lines);
    expect(second.status).toBe('validating');
    now += 1_000;
    expect((await client.batches.retrieve(first.id)).status).toBe('in_progress');
    const refused = await client.batches.retrieve(second.id);
    expect(refused.status).toBe('failed');
    expect(refused.errors?.data).toEqual([
      {
        code: 'token_limit_exceeded',
        line: null,
        param: null,
        message: 'Enqueued token limit reached for gpt-4o-mini in organization org-mock. Limit: 1,000 enqueued tokens. Please try again once some in_progress batches have been completed.',
      },
    ]);
    const otherModel = await createBatch(client, ids(10).map((id) => chatLine(id, 'x'.repeat(200), 'gpt-4o')));
    now += 9_000;
    expect((await client.batches.retrieve(otherModel.id)).status).not.toBe('failed');
    expect((await client.batches.retrieve(first.id)).status).toBe('completed');
    const third = await createBatch(client, lines);
    now += 10_000;
    expect((await client.batches.retrieve(third.id)).status).toBe('completed');
  });

  it('asks for the API key on the batch routes when apiKey is set', async () => {
    const client = await start({ apiKey: 'sk-right' });
    await expect(client.batches.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('batch options', () => {
  it('refuses bad batch options, naming the field', async () => {
    await expect(startMockServer({ batchErrorRate: 2 })).rejects.toThrow(/batchErrorRate/);
    await expect(startMockServer({ batchFaults: { failed: 0.7, expired: 0.7 } })).rejects.toThrow(/batchFaults/);
    await expect(startMockServer({ batchMaxRequests: 0 })).rejects.toThrow(/batchMaxRequests/);
    await expect(startMockServer({ clock: 5 as unknown as () => number })).rejects.toThrow(/clock/);
  });
});
