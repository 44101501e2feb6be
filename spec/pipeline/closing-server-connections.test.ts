// A server that closes a kept-alive connection after a number of requests (llama.cpp's server does after 100: its
// `--keep-alive` loop ends the connection once a request count is reached) must not make the pipeline open a new
// connection for every later request: the connections opened stay within a few of maxActive plus the server's closes.
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { isLlmError } from '../../src/errors/llm-error.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { type Handler, type LocalServer, startLocalServer } from '../support/local-server.js';
import { chatCompletions } from '../support/pipeline-server.js';

/** Requests a connection serves before the server answers with `Connection: close`. */
const REQUESTS_PER_CONNECTION = 10;
/** The slack the issue allows over maxActive + closes ("within a few"). */
const SLACK = 3;

let server: LocalServer;
let model: ChatModel;
let closesAnnounced: number;
beforeEach(async () => {
  server = await startLocalServer();
  model = openai({ model: 'test-model', baseURL: server.baseURL, apiKey: '' });
  closesAnnounced = 0;
  const chat = chatCompletions();
  server.handle(closingEvery(REQUESTS_PER_CONNECTION, chat.handler));
});
afterEach(async () => {
  await model.provider.close?.();
  await server.close();
});

/** Answers with `handler`; the `count`-th response on each connection carries `Connection: close`. */
function closingEvery(count: number, handler: Handler): Handler {
  const served = new WeakMap<Socket, number>();
  return (exchange) => {
    const socket = exchange.req.socket;
    const n = (served.get(socket) ?? 0) + 1;
    served.set(socket, n);
    if (n === count) {
      closesAnnounced += 1;
      exchange.res.setHeader('connection', 'close');
    }
    return handler(exchange);
  };
}

const promptsFor = (count: number) => Array.from({ length: count }, (_, index) => `prompt ${index}`);

describe('connections against a server that closes every connection after a number of requests', () => {
  it.each([1, 8])('opens about maxActive + closes connections at maxActive %i (chat)', async (maxActive) => {
    const results = await parallelChat(model, promptsFor(200), { maxActive, rpm: Infinity });
    expect(results.every((result) => result !== null && !isLlmError(result))).toBe(true);
    expect(closesAnnounced).toBeGreaterThan(0);
    expect(server.openedSockets).toBeLessThanOrEqual(maxActive + closesAnnounced + SLACK);
  });

  it.each([1, 8])('opens about maxActive + closes connections at maxActive %i (streams)', async (maxActive) => {
    const texts = await lastValueFrom(
      from(promptsFor(200)).pipe(
        streamEach(model, { maxActive, rpm: Infinity }),
        mergeMap((item) => item.text),
        toArray(),
      ),
    );
    expect(texts).toHaveLength(200);
    expect(closesAnnounced).toBeGreaterThan(0);
    expect(server.openedSockets).toBeLessThanOrEqual(maxActive + closesAnnounced + SLACK);
  });
});
