import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors/llm-error.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { chatCompletions } from '../support/pipeline-server.js';

let server: LocalServer;
let model: ChatModel;
beforeEach(async () => {
  server = await startLocalServer();
  model = openai({ model: 'test-model', baseURL: server.baseURL, apiKey: '' });
});
afterEach(async () => {
  await model.provider.close?.().catch(() => undefined);
  await server.close();
});

/** The server's fixed window, scaled down from a minute. */
const WINDOW_MS = 1_000;
const LIMIT = 10;

/**
 * A gateway's 429 as LiteLLM-style proxies send it: OpenAI's error body shape (openai-openapi's error schema), but no
 * `retry-after` and no `x-ratelimit-*` headers at all.
 */
const quietRefusal = respond.json(429, { error: { message: 'Rate limit exceeded', type: 'rate_limit_error', code: '429' } });

describe('a 429 with nothing to wait on, against a real server with a fixed window', () => {
  it('keeps every prompt alive until the window resets, and the pipeline slows instead of hammering', async () => {
    const started = performance.now();
    let windowStart = 0;
    let used = 0;
    let refusals = 0;
    const chat = chatCompletions({
      delayMs: 5,
      script: () => {
        const now = performance.now() - started;
        if (now - windowStart >= WINDOW_MS) {
          windowStart = now - ((now - windowStart) % WINDOW_MS);
          used = 0;
        }
        if (used < LIMIT) {
          used += 1;
          return undefined;
        }
        refusals += 1;
        return quietRefusal;
      },
    });
    server.handle(chat.handler);
    const prompts = Array.from({ length: 3 * LIMIT }, (_, index) => `prompt ${index}`);
    // The retry budget alone (3 backoffs of at most 40 ms) is far shorter than the window.
    const results = await parallelChat(model, prompts, {
      maxActive: 4,
      rpm: 6_000,
      retry: { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 40, jitter: false, maxRetryAfterMs: 2 * WINDOW_MS },
    });

    expect(results.filter((result) => result === null || isLlmError(result))).toEqual([]);
    // Hammering at the configured 100 per second would be refused about 90 times per window; the adapted pace
    // keeps it to a fraction of that over the three windows.
    expect(refusals).toBeLessThan(3 * 90);
    expect(refusals).toBeGreaterThan(0);
  }, 120_000); // a ceiling that catches a hang: the run takes about 3 s (18-25 s before the adaptive floor became a rate)
});
