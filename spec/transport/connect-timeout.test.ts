import { errors } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { APITimeoutError } from '../../src/errors/llm-error.js';
import { createAgent } from '../../src/transport/create-agent.js';
import { postJson } from '../../src/transport/post-json.js';
import { postSse } from '../../src/transport/post-sse.js';
import { toTransportError } from '../../src/transport/to-transport-error.js';
import { errorOf } from '../support/settle.js';
import { startUnacceptingServer, type UnacceptingServer } from '../support/unaccepting-server.js';

let listener: UnacceptingServer | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

describe('connect timeout', () => {
  it('surfaces a real connect timeout (full listen backlog on 127.0.0.1) as APITimeoutError phase connect', async () => {
    listener = await startUnacceptingServer();
    const filled = await listener.fillBacklog();
    expect(filled, 'this OS completed every handshake; the mapping test below still covers the error path').toBe(true);
    const agent = createAgent({ connectTimeoutMs: 100 });
    const options = {
      url: `http://127.0.0.1:${listener.port}/v1/chat/completions`,
      headers: {},
      body: {},
      dispatcher: agent,
      provider: 'test',
      timeoutMs: 10_000,
      maxResponseBytes: 1000,
      connectTimeoutMs: 100,
    };
    const started = performance.now();
    const [jsonError, sseError] = await Promise.all([errorOf(postJson(options)), errorOf(postSse(options))]);
    for (const error of [jsonError, sseError]) {
      expect(error).toBeInstanceOf(APITimeoutError);
      expect(error).toMatchObject({ phase: 'connect', code: 'connect_timeout', retryable: true, provider: 'test' });
      expect((error as Error).message).toBe('Connecting timed out after 100 ms.');
      expect((error as Error).cause).toBeInstanceOf(errors.ConnectTimeoutError);
    }
    // undici checks connect timeouts on a coarse (~0.5 s) timer; far below our 10 s request timeout either way.
    expect(performance.now() - started).toBeLessThan(5000);
    await agent.destroy();
  });

  it('maps undici ConnectTimeoutError to phase connect, reading the timeout from the message when not given', () => {
    const cause = new errors.ConnectTimeoutError('Connect Timeout Error (attempted address: 10.0.0.1:443, timeout: 250ms)');
    const error = toTransportError(cause, { provider: 'openai' });
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(error).toMatchObject({ phase: 'connect', provider: 'openai', retryable: true });
    expect(error.message).toBe('Connecting timed out after 250 ms.');
    expect(error.cause).toBe(cause);
    expect(toTransportError(cause, { provider: 'openai', connectTimeoutMs: 10_000 }).message).toBe('Connecting timed out after 10000 ms.');
  });
});
