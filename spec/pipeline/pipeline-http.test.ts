import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLlmError, type LlmError } from '../../src/errors/llm-error.js';
import { BadRequestError, InsufficientCreditsError } from '../../src/errors/api-call-error.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { partialResultsOf } from '../../src/promise/partial-results.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatResponse } from '../../src/types.js';
import { type LocalServer, type RecordedRequest, respond, startLocalServer } from '../support/local-server.js';
import { streamTranscript } from '../support/openai-transcripts.js';
import { chatCompletions } from '../support/pipeline-server.js';

let server: LocalServer;
let model: ChatModel;
beforeEach(async () => {
  server = await startLocalServer();
  model = openai({ model: 'test-model', baseURL: server.baseURL, apiKey: '' });
});
afterEach(async () => {
  await model.provider.close?.().catch(() => undefined); // some tests close it themselves
  await server.close();
});

const quickRetry = { initialDelayMs: 1, maxDelayMs: 4, jitter: false };
const promptsFor = (count: number) => Array.from({ length: count }, (_, index) => `prompt ${index}`);
const promptOf = (request: RecordedRequest) => (request.body as { messages: { content: string }[] }).messages.at(-1)!.content;

describe('the pipeline against a real OpenAI-compatible server', () => {
  it('never has more than maxActive requests open at the server', async () => {
    const chat = chatCompletions({ delayMs: 2 });
    server.handle(chat.handler);
    const results = await parallelChat(model, promptsFor(120), { maxActive: 6, rpm: Infinity });
    expect(results.every((result) => result !== null && !isLlmError(result))).toBe(true);
    expect(server.maxInFlight).toBeLessThanOrEqual(6);
    expect(server.maxInFlight).toBeGreaterThan(1);
  });

  it('keeps streams within maxActive until their last chunk', async () => {
    const chat = chatCompletions();
    server.handle(respond.delay(2, chat.handler));
    const texts = await lastValueFrom(
      from(promptsFor(40)).pipe(
        streamEach(model, { maxActive: 4, rpm: Infinity }),
        mergeMap((item) => item.text),
        toArray(),
      ),
    );
    expect(texts).toHaveLength(40);
    expect(new Set(texts)).toContain('PROMPT 7');
    expect(server.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('counts a stream in flight until its body ends, even when the server ends it a while after [DONE]', async () => {
    const transcript = streamTranscript(['Hello', ' there']);
    server.handle(respond.sse(`${transcript}: the end comes later\n\n`, { splitAt: [transcript.length], gapMs: 15 }));
    const texts = await lastValueFrom(
      from(promptsFor(12)).pipe(
        streamEach(model, { maxActive: 3, rpm: Infinity }),
        mergeMap((item) => item.text),
        toArray(),
      ),
    );
    expect(texts).toEqual(Array.from({ length: 12 }, () => 'Hello there'));
    expect(server.maxInFlight).toBeLessThanOrEqual(3);
    expect(server.closedSockets).toBe(0); // every socket was kept for reuse
  });

  it('reuses its connections: as many as maxActive however many prompts, streamed or not', async () => {
    const chat = chatCompletions({ delayMs: 2 });
    server.handle(chat.handler);
    const texts = await lastValueFrom(
      from(promptsFor(60)).pipe(
        streamEach(model, { maxActive: 6, rpm: Infinity }),
        mergeMap((item) => item.text),
        toArray(),
      ),
    );
    expect(texts).toHaveLength(60);
    expect(server.openedSockets).toBe(6);
    const results = await parallelChat(model, promptsFor(60), { maxActive: 6, rpm: Infinity });
    expect(results.every((result) => result !== null && !isLlmError(result))).toBe(true);
    expect(server.openedSockets).toBe(6); // the same six: a prompt starts once the one before has freed its socket
    expect(server.closedSockets).toBe(0);
  });

  it('gives every one of 2,000 prompts exactly one outcome despite 10% injected faults, and never delivers a success twice', async () => {
    const chat = chatCompletions({ faultRate: 0.1, seed: 42, retryAfterMs: 3 });
    server.handle(chat.handler);
    const prompts = promptsFor(2000);
    const results = await parallelChat(model, prompts, { maxActive: 16, rpm: Infinity, onError: 'continue', retry: quickRetry });

    expect(results).toHaveLength(prompts.length);
    expect(Object.values(chat.injected).every((count) => count > 0)).toBe(true); // every kind of fault happened
    let succeeded = 0;
    prompts.forEach((prompt, index) => {
      const result = results[index];
      const delivered = chat.delivered.get(prompt) ?? 0;
      if (result !== null && !isLlmError(result)) {
        succeeded += 1;
        expect((result as ChatResponse).text).toBe(prompt.toUpperCase());
        expect(delivered).toBe(1);
      } else {
        expect(result).not.toBeNull(); // submitted, so an outcome: the error after retries
        expect(delivered).toBe(0);
      }
    });
    const totalDelivered = [...chat.delivered.values()].reduce((sum, count) => sum + count, 0);
    expect(totalDelivered).toBe(succeeded);
    expect(succeeded).toBeGreaterThan(1990); // 3 attempts each: ~0.1% fail all of them
  }, 60_000); // ~1.5 s of CPU on an idle machine; the margin is for a loaded CI box

  it("with onError 'return' sends nothing new after the first failure and leaves the later prompts null", async () => {
    const maxActive = 4;
    const chat = chatCompletions({
      delayMs: 1,
      script: (prompt) => (prompt === 'prompt 10' ? respond.json(400, { error: { message: 'bad prompt' } }) : undefined),
    });
    server.handle(chat.handler);
    let requestsAfterFailure = 0;
    let failed = false;
    server.events.on('request', () => {
      if (failed) requestsAfterFailure += 1;
    });
    server.events.on('request-close', (request: RecordedRequest) => {
      if (promptOf(request) === 'prompt 10') failed = true;
    });
    const prompts = promptsFor(200);
    const results = await parallelChat(model, prompts, { maxActive, rpm: Infinity });

    expect(results[10]).toBeInstanceOf(BadRequestError);
    const sent = new Set(server.requests.map(promptOf));
    prompts.forEach((prompt, index) => {
      if (sent.has(prompt)) expect(results[index]).not.toBeNull();
      else expect(results[index]).toBeNull();
    });
    expect(results.slice(11 + maxActive).every((result) => result === null)).toBe(true);
    // Requests already on their way when the 400 was written may still arrive; nothing is sent once the client has read it.
    expect(requestsAfterFailure).toBeLessThan(maxActive);
  });

  it("with onError 'stop' rejects with the failure and the server sees the requests in flight closed", async () => {
    server.handle(async (exchange) => {
      const prompt = promptOf(exchange.request);
      if (prompt !== 'prompt 0') return respond.hang()(exchange);
      await server.waitForRequests(4); // fail once the three others are in flight
      return respond.json(400, { error: { message: 'bad prompt' } })(exchange);
    });
    const results = parallelChat(model, promptsFor(10), { maxActive: 4, rpm: Infinity, onError: 'stop' });
    await expect(results).rejects.toBeInstanceOf(BadRequestError);
    const hung = server.requests.filter((request) => promptOf(request) !== 'prompt 0');
    expect(hung).toHaveLength(3);
    expect(await Promise.all(hung.map((request) => request.closed))).toEqual([{ aborted: true }, { aborted: true }, { aborted: true }]);
    expect(server.requestCount).toBe(4);
  });

  it("stops the batch on a 402 even with onError 'continue', aborting the requests in flight", async () => {
    server.handle(async (exchange) => {
      if (promptOf(exchange.request) !== 'prompt 2') return respond.hang()(exchange);
      await server.waitForRequests(3);
      return respond.json(402, { error: { message: 'Payment required' } })(exchange);
    });
    const results = parallelChat(model, promptsFor(50), { maxActive: 3, rpm: Infinity, onError: 'continue' });
    const error = await results.then(
      () => undefined,
      (reason: unknown) => reason as LlmError,
    );
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(error?.fatal).toBe(true);
    await Promise.all(server.requests.map((request) => request.closed));
    expect(server.requestCount).toBe(3);
    expect(partialResultsOf(error)?.slice(0, 3)).toEqual([null, null, error]);
  });

  it('leaves no sockets or timers behind when unsubscribed mid-run', async () => {
    const timers = trackTimers();
    let attempts = 0;
    server.handle((exchange) => {
      attempts += 1;
      // The first request fails and waits a long backoff; the second hangs until aborted; the limiter holds the rest.
      if (attempts === 1) return respond.json(503, { error: { message: 'busy' } })(exchange);
      return respond.hang()(exchange);
    });
    try {
      const subscription = from(promptsFor(10))
        .pipe(chatEach(model, { maxActive: 4, rpm: 600, retry: { initialDelayMs: 60_000, jitter: false } }))
        .subscribe();
      await server.waitForRequests(2);
      expect(timers.live()).toBeGreaterThan(0); // the backoff and the limiter are waiting
      subscription.unsubscribe();
      expect(timers.live()).toBe(0);
      await server.requests[1]!.socketClosed; // the aborted request's socket, closed by the client
    } finally {
      timers.restore();
    }
    await expectNoHandlesAfterClosing();
  });

  it('leaves no sockets or timers behind when parallelChat is aborted', async () => {
    const timers = trackTimers();
    server.handle(respond.hang());
    const controller = new AbortController();
    try {
      const results = parallelChat(model, promptsFor(5), { maxActive: 5, rpm: 600, signal: controller.signal, onAbort: 'resolve' });
      await server.waitForRequests(1);
      controller.abort();
      expect(await results).toEqual([null, null, null, null, null]);
      expect(timers.live()).toBe(0);
      await server.requests[0]!.socketClosed;
    } finally {
      timers.restore();
    }
    await expectNoHandlesAfterClosing();
  });
});

/** Counts the intervals and timeouts created from now on that are still pending (RxJS timers use `setInterval`). */
function trackTimers() {
  type Schedule = (handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => unknown;
  type Clear = (id: unknown) => void;
  const live = new Set<unknown>();
  const original = { setInterval, clearInterval, setTimeout, clearTimeout };
  const [schedule, repeat, cancel, stop] = [original.setTimeout, original.setInterval, original.clearTimeout, original.clearInterval] as unknown as [
    Schedule,
    Schedule,
    Clear,
    Clear,
  ];
  const patched = {
    setInterval: (handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const id = repeat(handler, ms, ...args);
      live.add(id);
      return id;
    },
    clearInterval: (id: unknown) => {
      live.delete(id);
      stop(id);
    },
    setTimeout: (handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const id = schedule(
        (...values: unknown[]) => {
          live.delete(id);
          handler(...values);
        },
        ms,
        ...args,
      );
      live.add(id);
      return id;
    },
    clearTimeout: (id: unknown) => {
      live.delete(id);
      cancel(id);
    },
  };
  Object.assign(globalThis, patched);
  return {
    live: () => live.size,
    restore: () => Object.assign(globalThis, original),
  };
}

/**
 * Closes the client pool and the server, then lets the event loop run its close callbacks (a bounded number of
 * turns, not a timed wait) and checks that no socket or server handle is left.
 */
async function expectNoHandlesAfterClosing(): Promise<void> {
  await model.provider.close?.();
  await server.close();
  const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind.startsWith('TCP'));
  for (let turn = 0; turn < 1000 && sockets().length > 0; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  expect(sockets()).toEqual([]);
}
