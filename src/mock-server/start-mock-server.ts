import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { MockRequestHandler } from './mock-request-handler.js';
import { type MockServerOptions, resolveMockServerOptions } from './mock-server-options.js';
import type { MockStats } from './mock-stats.js';

/**
 * A running mock server, as returned by `startMockServer`.
 *
 * @example
 * ```ts
 * import { startMockServer, type MockServer } from 'rxllm/testing';
 * const server: MockServer = await startMockServer();
 * process.env.OPENAI_BASE_URL = server.openaiBaseURL; // http://127.0.0.1:PORT/v1
 * console.log(server.stats().requests); // 0
 * await server.close();
 * ```
 */
export interface MockServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  /** `url + '/v1'`: the `baseURL` for `openai()` (or `OPENAI_BASE_URL`). */
  readonly openaiBaseURL: string;
  /** `url`: the `baseURL` for `anthropic()` (or `ANTHROPIC_BASE_URL`). */
  readonly anthropicBaseURL: string;
  /** The port it listens on. */
  readonly port: number;
  /**
   * A snapshot of the counters. `{ deliveries: true }` adds the per-key delivery counts (large for big runs).
   */
  stats(options?: { deliveries?: boolean }): MockStats;
  /** Deliveries of one prompt key so far (the `x-mock-key` header, else the last user message). */
  deliveriesOf(key: string): number;
  /** Zeroes the counters (not the gauges `inFlight` and `openSockets`, nor the rate-limit windows). */
  resetStats(): void;
  /** Stops listening, destroys every open socket (hanging requests included) and clears every timer. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a local OpenAI- and Anthropic-compatible chat server for offline tests, demos and benchmarks.
 *
 * It answers `POST /v1/chat/completions` and `POST /v1/messages` (JSON or SSE with `stream: true`) with
 * deterministic text that echoes the prompt (`Re: <first words> …`), or with JSON that fits the request's
 * `response_format` JSON Schema, Anthropic `output_config.format`, or forced tool (an Anthropic `tool_use` block, an
 * OpenAI `tool_calls` entry when `tool_choice` names a function or is `'required'`), ending before the first `stop` /
 * `stop_sequences` entry it contains. Paths the real APIs do not serve (`/chat/completions` without `/v1`) get a 404
 * in the provider's error shape. It can add latency, pace streams, inject faults (at
 * seeded random rates, or per request with the `x-mock-fault` header) and enforce `rpmLimit` / `tpmLimit` with
 * 429s. `GET /stats` (and `stats()`) count requests, statuses, concurrency and deliveries per prompt key, so a
 * test can check that nothing was delivered twice; `POST /stats/reset` zeroes them. `GET /v1/models` lists models.
 * Both Batch APIs run in memory: OpenAI's `/v1/files` and `/v1/batches`, Anthropic's `/v1/messages/batches`, over
 * `batchDelayMs` on the `clock` option's time, with the `batch…` options' faults and limits.
 *
 * Request headers for scripting one request: `x-mock-fault: <kind|none>`, `x-mock-key: <delivery key>`,
 * `x-mock-latency-ms: <ms>`, `x-mock-answer-tokens: <n>`; on a batch create, `x-mock-batch-fault: failed | expired | none`.
 *
 * Invalid options throw `InvalidOptionsError` naming the field; a port in use rejects with the listen error.
 *
 * @param options - Latency, pacing, faults, limits and seed; all optional.
 * @returns The running server; `close()` it when done.
 *
 * @example
 * ```ts
 * import { openai, parallelChatText } from 'rxllm';
 * import { startMockServer } from 'rxllm/testing';
 *
 * const server = await startMockServer({ latencyMs: [20, 80], faults: { '503': 0.05 } });
 * const model = openai({ baseURL: server.openaiBaseURL, apiKey: 'mock', model: 'mock-model' });
 * console.log(await parallelChatText(model, ['Hello', 'Bonjour']));
 * console.log(server.stats());
 * await server.close();
 * ```
 */
export async function startMockServer(options?: MockServerOptions): Promise<MockServer> {
  const config = resolveMockServerOptions(options);
  const handler = new MockRequestHandler(config);
  const { stats } = handler;
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, handler.handle);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    stats.connections++;
    stats.openSockets++;
    socket.once('close', () => {
      sockets.delete(socket);
      stats.openSockets--;
    });
  });
  server.on('clientError', (_error, socket: Socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(config.port, config.host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  handler.url = url;
  let closing: Promise<void> | undefined;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    port,
    stats: (statsOptions) => stats.snapshot(statsOptions?.deliveries === true),
    deliveriesOf: (key) => stats.deliveriesOf(key),
    resetStats: () => stats.reset(),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        handler.shutdown();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
