import fc from 'fast-check';
import { from, mergeMap, type Observable, Subject, type Subscription, takeUntil } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { type Handler, type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { completionBody, streamTranscript } from '../support/openai-transcripts.js';
import { activeResources, extraResourcesAfterSettling, type ResourceCounts, resourcesAbove, trapUnhandled, type UnhandledTrap } from '../support/reliability-resources.js';

// Cancelling at "random moments": after k requests reached the server (k drawn by fast-check, seeded), while the
// run has everything going at once — answers on their way, hanging requests, streams mid-chunk, retries waiting out
// a backoff, prompts waiting for the rate limiter. Whatever the moment, every socket in use is closed (seen by the
// server), every timer is cleared, and once the pool and the server close, nothing is left.

let server: LocalServer;
let trap: UnhandledTrap;
let baseline: ResourceCounts;
let run = 0;

beforeAll(async () => {
  trap = trapUnhandled();
  baseline = activeResources();
  server = await startLocalServer();
  server.handle(scripted);
});
afterAll(async () => {
  await server.close();
  expect(await extraResourcesAfterSettling(baseline)).toEqual({});
  trap.dispose();
  expect(trap.errors).toEqual([]);
});

/** Prompt `… <i>`: behaviour by i % 6. */
const scripted: Handler = (exchange) => {
  const body = exchange.request.body as { messages: { content: string }[]; stream?: boolean };
  const i = Number(/(\d+)$/.exec(body.messages.at(-1)!.content)?.[1] ?? 0);
  const stream = body.stream === true;
  const answer = stream
    ? respond.sse(streamTranscript(['a', 'b', 'c', 'd', 'e', 'f']), { splitAt: [150, 300, 450, 600, 750, 900], gapMs: 15 })
    : respond.json(200, completionBody(`answer ${i}`));
  switch (i % 6) {
    case 0:
      return respond.delay(40 + (i % 5) * 20, answer)(exchange);
    case 1:
      return respond.hang()(exchange);
    case 2:
      return respond.json(503, { error: { message: 'busy' } }, { 'retry-after-ms': '400' })(exchange); // a backoff timer
    case 3:
      return respond.delay(150, answer)(exchange);
    default:
      return answer(exchange);
  }
};

function modelFor(): ChatModel {
  return openai({ model: 'm', baseURL: server.baseURL, apiKey: '', timeout: 30_000, maxRetries: 3 });
}

const options = { maxActive: 6 as number, rpm: 6_000, retry: { maxRetries: 3, initialDelayMs: 300 } } as const;

/** Resolves when the server has received `count` requests since `start`. */
function requestsArrived(start: number, count: number): Promise<void> {
  return server.waitForRequests(start + count);
}

/** Resolves when no request is being answered any more (every exchange ended, by the client going away). */
function serverIdle(): Promise<void> {
  return new Promise((resolve) => {
    if (server.inFlight === 0) return resolve();
    const check = () => {
      if (server.inFlight !== 0) return;
      server.events.off('request-close', check);
      resolve();
    };
    server.events.on('request-close', check);
  });
}

/**
 * After a cancel: the server sees every exchange end, no request arrives later, every timer is cleared (`Timeout`
 * back to the baseline while the pool is still open), and once the pool closes, nothing is left at all.
 */
async function expectCleanAfterCancel(model: ChatModel, requestsAtCancel: number): Promise<void> {
  await serverIdle();
  // Requests already on the wire at the cancel may still be counted by the server (it counts a request once its
  // body is read); those are at most the ones in flight. Nothing is sent after the cancel: no timer is left to send it.
  expect(server.requestCount - requestsAtCancel).toBeLessThanOrEqual(options.maxActive);
  const extra = await extraResourcesAfterSettling({ ...activeResources(), Timeout: baseline.Timeout ?? 0 });
  expect(extra.Timeout ?? 0, 'timers left after the cancel').toBe(0);
  await model.provider.close?.();
  // Only the server itself (its listening socket) remains above the baseline.
  const left = await extraResourcesAfterSettling({ ...baseline, TCPServerWrap: (baseline.TCPServerWrap ?? 0) + 1 });
  expect(left).toEqual({});
  expect(server.openSockets).toBe(0);
  expect(server.requestCount - requestsAtCancel).toBeLessThanOrEqual(options.maxActive);
}

/** At the moment of the cancel there is something to clean up: sockets in use and timers running (deadlines, limiter, backoff). */
function expectBusy(): void {
  const busy = resourcesAbove(baseline);
  expect(busy.TCPSocketWrap ?? 0).toBeGreaterThan(0);
  expect(busy.Timeout ?? 0).toBeGreaterThan(0);
}

type Cancel = 'unsubscribe' | 'takeUntil' | 'signal';

/** Subscribes to `source`; `cancel()` unsubscribes, or fires the `takeUntil` notifier (`signal` is aborted by the caller). */
function cancellable(kind: Cancel, source: Observable<unknown>): { start(): void; cancel(): void; done: Promise<unknown> } {
  const stop = new Subject<void>();
  let subscription: Subscription | undefined;
  let settle!: (value: unknown) => void;
  const done = new Promise<unknown>((resolve) => (settle = resolve));
  const piped = kind === 'takeUntil' ? source.pipe(takeUntil(stop)) : source;
  return {
    start: () => {
      subscription = piped.subscribe({ error: (error: unknown) => settle({ error }), complete: () => settle({ complete: true }) });
    },
    cancel: () => {
      if (kind === 'unsubscribe') {
        subscription?.unsubscribe();
        settle({ unsubscribed: true });
      } else stop.next();
    },
    done,
  };
}

describe.each(['unsubscribe', 'takeUntil', 'signal'] as const)('cancelling with %s at random moments', (kind) => {
  it('chatEach: closes every socket in use, clears every timer, and leaves no handle behind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), async (moment) => {
        run += 1;
        const model = modelFor();
        const prompts = Array.from({ length: 40 }, (_, i) => `chat ${run} ${i}`);
        const start = server.requestCount;
        const controller = new AbortController();
        const source = from(prompts).pipe(chatEach(model, { ...options, ...(kind === 'signal' ? { signal: controller.signal } : {}) }));
        const handle = cancellable(kind, source);
        handle.start();
        await requestsArrived(start, moment);
        const atCancel = server.requestCount;
        expectBusy();
        if (kind === 'signal') controller.abort(new Error('cancelled by the test'));
        else handle.cancel();
        const outcome = (await handle.done) as { error?: unknown };
        if (kind === 'signal') expect((outcome.error as Error).message).toBe('cancelled by the test');
        await expectCleanAfterCancel(model, atCancel);
      }),
      { seed: 5_150 + kind.length, numRuns: 3 },
    );
  }, 120_000);

  it('streamEach: aborts streams mid-chunk too, and their chunks end with a cancelled StreamInterruptedError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), async (moment) => {
        run += 1;
        const model = modelFor();
        const prompts = Array.from({ length: 40 }, (_, i) => `stream ${run} ${i}`);
        const start = server.requestCount;
        const controller = new AbortController();
        const itemErrors: unknown[] = [];
        const source = from(prompts).pipe(
          streamEach(model, { ...options, ...(kind === 'signal' ? { signal: controller.signal } : {}) }),
          mergeMap((item) => {
            item.text.catch((error: unknown) => itemErrors.push(error));
            return item.chunks;
          }),
        );
        const handle = cancellable(kind, source);
        handle.start();
        await requestsArrived(start, moment);
        const atCancel = server.requestCount;
        expectBusy();
        if (kind === 'signal') controller.abort(new Error('cancelled by the test'));
        else handle.cancel();
        await handle.done;
        await expectCleanAfterCancel(model, atCancel);
        for (const error of itemErrors) expect((error as Error).name).not.toBe('Error');
      }),
      { seed: 6_150 + kind.length, numRuns: 3 },
    );
  }, 120_000);
});

describe('cancelling parallelChat with an AbortSignal at random moments', () => {
  it('rejects with the reason (or resolves with what is done), closes every socket, clears every timer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.constantFrom<'reject' | 'resolve'>('reject', 'resolve'), async (moment, onAbort) => {
        run += 1;
        const model = modelFor();
        const prompts = Array.from({ length: 40 }, (_, i) => `parallel ${run} ${i}`);
        const start = server.requestCount;
        const controller = new AbortController();
        const results = parallelChat(model, prompts, { ...options, onError: 'continue', signal: controller.signal, onAbort });
        await requestsArrived(start, moment);
        const atCancel = server.requestCount;
        expectBusy();
        const reason = new Error('stop now');
        controller.abort(reason);
        const outcome = await results.then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        if (onAbort === 'reject') expect(outcome).toEqual({ error: reason });
        else expect((outcome as { value: unknown[] }).value).toHaveLength(prompts.length);
        await expectCleanAfterCancel(model, atCancel);
      }),
      { seed: 7_150, numRuns: 4 },
    );
  }, 120_000);
});

describe('cancelling a single call', () => {
  it('model.chat() unsubscribed while waiting out a retry backoff leaves no timer and no socket', async () => {
    const model = modelFor();
    const start = server.requestCount;
    const subscription = model.chat('single 2').subscribe({ error: () => undefined }); // prompt 2: 503 + retry-after 400 ms
    await requestsArrived(start, 1);
    await serverIdle(); // the 503 was answered: the client now waits out the backoff
    subscription.unsubscribe();
    await expectCleanAfterCancel(model, server.requestCount);
  });

  it('model.stream() unsubscribed mid-stream aborts the socket', async () => {
    const model = modelFor();
    const start = server.requestCount;
    let chunks = 0;
    const subscription = model.stream('single 3').subscribe({ next: () => (chunks += 1), error: () => undefined });
    await requestsArrived(start, 1);
    const request = server.requests.at(-1)!;
    subscription.unsubscribe();
    expect(await request.closed).toEqual({ aborted: true });
    await request.socketClosed;
    await expectCleanAfterCancel(model, server.requestCount);
    expect(chunks).toBeLessThan(6);
  });
});
