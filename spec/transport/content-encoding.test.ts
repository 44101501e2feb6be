import { gzipSync } from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseValidationError } from '../../src/errors/llm-error.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { completionBody } from '../support/openai-transcripts.js';
import { type LocalServer, respond, startLocalServer } from '../support/local-server.js';

// Issue 17, item 6: rxllm sends no accept-encoding; a server that compresses anyway used to fail as "not valid JSON"
// with a binary preview.
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());

describe('a compressed body rxllm did not ask for', () => {
  it('a gzip-encoded JSON answer fails naming the encoding, with no binary preview, not retried', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify({ choices: [] })));
    server.handle(respond.bytes(body, { contentType: 'application/json', headers: { 'content-encoding': 'gzip' } }));
    const model = openai({ model: 'm', baseURL: server.baseURL, apiKey: '', maxRetries: 2, retry: { initialDelayMs: 1, jitter: false } });
    const before = server.requestCount;
    for (const call of [() => model.chat('Hi'), () => model.stream('Hi')]) {
      const error = await lastValueFrom(call().pipe(toArray())).then(() => undefined, (reason: unknown) => reason);
      expect(error).toBeInstanceOf(ResponseValidationError);
      expect((error as Error).message).toMatch(/content-encoding gzip/);
      expect((error as Error).message).not.toContain('\ufffd');
    }
    expect(server.requestCount - before).toBe(2);
    await model.provider.close?.();
  });

  it('an identity content-encoding is read as usual', async () => {
    server.handle(respond.json(200, completionBody('Hello'), { 'content-encoding': 'identity' }));
    const model = openai({ model: 'm', baseURL: server.baseURL, apiKey: '', maxRetries: 0 });
    expect((await lastValueFrom(model.chat('Hi'))).text.length).toBeGreaterThan(0);
    await model.provider.close?.();
  });
});
