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

const RETRY_AFTER_MS = 1_000;
const MAX_ACTIVE = 10;

/**
 * A 429 as a gateway or a concurrency cap sends it: a retry-after, and rate-limit headers showing plenty of budget
 * left (OpenAI's `x-ratelimit-*` names and `rate_limit_exceeded` body, as in openai-openapi's RateLimitError docs).
 */
const refusalWithBudgetLeft = respond.json(
  429,
  { error: { message: 'injected: concurrency limit', type: 'requests', code: 'rate_limit_exceeded' } },
  {
    'retry-after-ms': String(RETRY_AFTER_MS),
    'x-ratelimit-limit-requests': '10000',
    'x-ratelimit-remaining-requests': '9000',
    'x-ratelimit-reset-requests': '6ms',
  },
);

describe('the pause rule against a real server', () => {
  it('a 429 whose headers show budget left delays only its prompt: the others keep flowing during its retry-after', async () => {
    const arrivals: { prompt: string; at: number }[] = [];
    const refusals: { prompt: string; at: number }[] = [];
    const chat = chatCompletions({
      delayMs: 10,
      script: (prompt, attempt) => {
        const at = performance.now();
        arrivals.push({ prompt, at });
        // A fixed share: the first attempt of every 20th prompt among the first 60.
        if (attempt > 0 || Number(prompt.split(' ')[1]) % 20 !== 0 || Number(prompt.split(' ')[1]) >= 60) return undefined;
        refusals.push({ prompt, at });
        return refusalWithBudgetLeft;
      },
    });
    server.handle(chat.handler);
    const prompts = Array.from({ length: 400 }, (_, index) => `prompt ${index}`);
    const results = await parallelChat(model, prompts, { maxActive: MAX_ACTIVE, rpm: Infinity, retry: { maxRetries: 2 } });

    expect(results.every((result) => result !== null && !isLlmError(result))).toBe(true);
    expect(refusals).toHaveLength(3);
    for (const refusal of refusals) {
      const retriedAt = arrivals.find((arrival) => arrival.prompt === refusal.prompt && arrival.at > refusal.at)!.at;
      const between = arrivals.filter((arrival) => arrival.prompt !== refusal.prompt && arrival.at > refusal.at && arrival.at < retriedAt);
      const lastAt = arrivals.at(-1)!.at;
      if (lastAt <= retriedAt) continue; // the other prompts were all sent before this retry: nothing left to flow
      // A shared pause lets through little more than what was in flight (18 seen with the old rule); here the
      // others kept going, more than two requests per slot (30 to 107 seen), while the refused prompt waited.
      expect(between.length).toBeGreaterThan(2 * MAX_ACTIVE);
    }
    // Every refused prompt was asked for exactly twice: its 429, then its retry.
    for (const refusal of refusals) expect(chat.received.get(refusal.prompt)).toBe(2);
  });

  it('a 429 whose headers show remaining 0 holds every prompt until its reset', async () => {
    const arrivals: { prompt: string; at: number }[] = [];
    let refusedAt: number | undefined;
    const chat = chatCompletions({
      script: (prompt, attempt) => {
        const at = performance.now();
        arrivals.push({ prompt, at });
        if (prompt !== 'prompt 0' || attempt > 0) return undefined;
        refusedAt = at;
        return respond.json(
          429,
          { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } },
          { 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '150ms' },
        );
      },
    });
    server.handle(chat.handler);
    const prompts = Array.from({ length: 40 }, (_, index) => `prompt ${index}`);
    const results = await parallelChat(model, prompts, { maxActive: 1, rpm: Infinity, retry: { maxRetries: 2, initialDelayMs: 1, jitter: false } });

    expect(results.every((result) => result !== null && !isLlmError(result))).toBe(true);
    expect(refusedAt).toBeDefined();
    // With one request open at a time, nothing reaches the server between the 429 and its reset.
    const next = arrivals.find((arrival) => arrival.at > refusedAt!)!;
    expect(next.at - refusedAt!).toBeGreaterThanOrEqual(140);
  });
});
