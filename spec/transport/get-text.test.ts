import { firstValueFrom } from 'rxjs';
import type { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/errors/api-call-error.js';
import { ResponseTooLargeError } from '../../src/errors/llm-error.js';
import { createAgent } from '../../src/transport/create-agent.js';
import { getText } from '../../src/transport/get-text.js';
import type { HttpPostOptions } from '../../src/transport/http-types.js';
import { postJson } from '../../src/transport/post-json.js';
import { type LocalServer, respond, startLocalServer } from '../support/local-server.js';

// The transport's GET (batch status, result files) and raw request bodies (a multipart upload), over 127.0.0.1.

let server: LocalServer;
let agent: Agent;

beforeEach(async () => {
  server = await startLocalServer();
  agent = createAgent({ connectTimeoutMs: 2000 });
});
afterEach(async () => {
  await server.close();
  await agent.destroy();
});

const options = (overrides: Partial<HttpPostOptions> = {}): HttpPostOptions => ({
  url: `${server.baseURL}/files/file-1/content`,
  headers: { authorization: 'Bearer test-key' },
  body: undefined,
  dispatcher: agent,
  provider: 'local',
  timeoutMs: 5_000,
  maxResponseBytes: 1 << 20,
  ...overrides,
});

describe('getText', () => {
  it('GETs without a body and gives the whole body as text, whatever its content type, split UTF-8 included', async () => {
    const text = '{"custom_id":"a","ö":1}\n{"custom_id":"b"}\n';
    server.handle(respond.bytes(text, { splitAt: [14, 15], contentType: 'application/octet-stream' }));
    expect(await firstValueFrom(getText(options()))).toBe(text);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/files/file-1/content', rawBody: '' });
    expect(server.requests[0]!.headers['content-type']).toBeUndefined();
  });

  it('fails with the error class of an error status, and past maxResponseBytes', async () => {
    server.enqueue(respond.json(404, { error: { message: 'No such file' } }));
    await expect(firstValueFrom(getText(options()))).rejects.toBeInstanceOf(NotFoundError);
    server.enqueue(respond.text(200, 'x'.repeat(2_000)));
    await expect(firstValueFrom(getText(options({ maxResponseBytes: 1_000 })))).rejects.toBeInstanceOf(ResponseTooLargeError);
  });
});

describe('postJson with rawBody', () => {
  it('sends the bytes as they are, with their content type', async () => {
    server.handle(respond.json(200, { id: 'file-1' }));
    const data = '--b\r\ncontent-disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b--\r\n';
    const answer = await firstValueFrom(postJson(options({ url: `${server.baseURL}/files`, rawBody: { contentType: 'multipart/form-data; boundary=b', data } })));
    expect(answer.body).toEqual({ id: 'file-1' });
    expect(server.requests[0]).toMatchObject({ method: 'POST', rawBody: data });
    expect(server.requests[0]!.headers['content-type']).toBe('multipart/form-data; boundary=b');
  });
});
