/**
 * Every callback a user passes that throws ends the Observable (or rejects the Promise) with that error: never an
 * `uncaughtException`, never a hang. Each callback is tested twice: throwing on a synchronous path (a source or
 * provider that answers during subscribe) and throwing after an asynchronous failure (a real local server's 503).
 */
import { defer, from, lastValueFrom, mergeMap, type Observable, of, throwError } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { EndpointNotReadyError } from '../../src/errors/api-call-error.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { retryWithBackoff } from '../../src/model/retry-with-backoff.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import type { Progress } from '../../src/progress/progress-tracker.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { chatStructured } from '../../src/structured/chat-structured.js';
import { parallelChatStructured } from '../../src/structured/parallel-chat-structured.js';
import { chunk, fakeModel, reply } from '../support/fake-provider.js';
import { type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { completionBody, streamTranscript } from '../support/openai-transcripts.js';

vi.setConfig({ testTimeout: 5_000 }); // a ceiling that catches a hang sooner than the default

let server: LocalServer;
let model: ChatModel;
beforeEach(async () => {
  server = await startLocalServer();
  model = openai({ model: 'test-model', baseURL: server.baseURL, apiKey: '', retry: { maxRetries: 2, initialDelayMs: 1, jitter: false } });
});
afterEach(async () => {
  await model.provider.close?.();
  await server.close();
});

const quickRetry = { maxRetries: 2, initialDelayMs: 1, jitter: false };
const unavailable = () => respond.json(503, { error: { message: 'down', type: 'server_error' } });
/** The server fails the first request with a 503, then answers every one. */
const failOnceThenAnswer = (stream = false) => {
  server.enqueue(unavailable());
  server.handle(stream ? respond.sse(streamTranscript(['o', 'k'])) : respond.json(200, completionBody('{"n": 1}')));
};
/** A fake model that answers during subscribe. */
const syncModel = (text = '{"n": 1}') => fakeModel({ chat: () => of(reply(text)), stream: () => of(chunk(text), chunk('', { finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } })) }).model;

/** A callback that throws `thrown` from its `n`th call on (1-based), or when `when` says so. */
function throwing<A extends unknown[]>(thrown: Error, when: (...args: A) => boolean): (...args: A) => void {
  return (...args: A) => {
    if (when(...args)) throw thrown;
  };
}

/** Records `uncaughtException`s from now on; `none()` lets pending timers run, stops and asserts there were none. */
function watchUncaught(): { none(): Promise<void> } {
  const uncaught: unknown[] = [];
  const listener = (error: unknown) => uncaught.push(error);
  process.prependListener('uncaughtException', listener);
  return {
    async none() {
      try {
        await new Promise((resolve) => setTimeout(resolve, 0));
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.removeListener('uncaughtException', listener);
      }
      expect(uncaught).toEqual([]);
    },
  };
}

/**
 * Resolves once `outcome` rejected with `thrown` and one more macrotask passed (RxJS reports an unroutable error on
 * a timer), asserting that the process saw no `uncaughtException`. A hang fails on the test's timeout.
 */
async function rejectsWithoutCrash(outcome: () => Promise<unknown>, thrown: Error): Promise<void> {
  const uncaught = watchUncaught();
  await expect(outcome()).rejects.toBe(thrown);
  await uncaught.none();
}

const lastOf = <T>(source: Observable<T>) => () => lastValueFrom(source);

describe('retryWithBackoff', () => {
  const down = new EndpointNotReadyError('down', { status: 503 });

  it('ends with the error onRetry throws, on a synchronous failure', async () => {
    const thrown = new Error('onRetry failed');
    const source = throwError(() => down).pipe(retryWithBackoff({ ...quickRetry, onRetry: throwing(thrown, () => true) }));
    await rejectsWithoutCrash(lastOf(source), thrown);
  });

  it('ends with the error onRetry throws, after an asynchronous failure', async () => {
    const thrown = new Error('onRetry failed');
    failOnceThenAnswer();
    const source = defer(() => model.provider.chat(model.resolve('hi'))).pipe(retryWithBackoff({ ...quickRetry, onRetry: throwing(thrown, () => true) }));
    await rejectsWithoutCrash(lastOf(source), thrown);
  });

  it('ends with the error random throws, on a synchronous failure', async () => {
    const thrown = new Error('random failed');
    const random = () => {
      throw thrown;
    };
    await rejectsWithoutCrash(lastOf(throwError(() => down).pipe(retryWithBackoff({ maxRetries: 1, random }))), thrown);
  });

  it('ends with the error random throws, after an asynchronous failure', async () => {
    const thrown = new Error('random failed');
    const random = () => {
      throw thrown;
    };
    failOnceThenAnswer();
    const source = defer(() => model.provider.chat(model.resolve('hi'))).pipe(retryWithBackoff({ maxRetries: 1, random }));
    await rejectsWithoutCrash(lastOf(source), thrown);
  });
});

describe('onProgress', () => {
  const first = () => true;
  const afterARetry = (progress: Progress) => progress.retries > 0;

  it('chatEach: ends with the error onProgress throws on its first call', async () => {
    const thrown = new Error('onProgress failed');
    await rejectsWithoutCrash(lastOf(from(['a', 'b']).pipe(chatEach(syncModel(), { onProgress: throwing(thrown, first) }))), thrown);
  });

  it('chatEach: ends with the error onProgress throws after an asynchronous failure', async () => {
    const thrown = new Error('onProgress failed');
    failOnceThenAnswer();
    const run = from(['a']).pipe(chatEach(model, { retry: quickRetry, onProgress: throwing(thrown, afterARetry) }));
    await rejectsWithoutCrash(lastOf(run), thrown);
  });

  it('streamEach: ends with the error onProgress throws on its first call', async () => {
    const thrown = new Error('onProgress failed');
    const run = from(['a']).pipe(streamEach(syncModel(), { onProgress: throwing(thrown, first) }), mergeMap((item) => item.text));
    await rejectsWithoutCrash(lastOf(run), thrown);
  });

  it('streamEach: ends with the error onProgress throws after an asynchronous failure', async () => {
    const thrown = new Error('onProgress failed');
    failOnceThenAnswer(true);
    const run = from(['a']).pipe(streamEach(model, { retry: quickRetry, onProgress: throwing(thrown, afterARetry) }));
    await rejectsWithoutCrash(lastOf(run), thrown);
  });

  it('parallelChat: rejects with the error onProgress throws on its first call', async () => {
    const thrown = new Error('onProgress failed');
    await rejectsWithoutCrash(() => parallelChat(syncModel(), ['a', 'b'], { onProgress: throwing(thrown, first) }), thrown);
  });

  it('parallelChat: rejects with the error onProgress throws after an asynchronous failure', async () => {
    const thrown = new Error('onProgress failed');
    failOnceThenAnswer();
    await rejectsWithoutCrash(() => parallelChat(model, ['a'], { retry: quickRetry, onProgress: throwing(thrown, afterARetry) }), thrown);
  });

  it('parallelChatStructured: rejects with the error onProgress throws after an asynchronous failure', async () => {
    const thrown = new Error('onProgress failed');
    failOnceThenAnswer();
    const schema = z.object({ n: z.number() });
    await rejectsWithoutCrash(() => parallelChatStructured(model, ['a'], schema, { retry: quickRetry, onProgress: throwing(thrown, afterARetry) }), thrown);
  });
});

describe('structured-output schemas with code (refine, transform)', () => {
  const thrown = new Error('transform failed');
  const schema = z.object({ n: z.number() }).transform(() => {
    throw thrown;
  });

  it('chatStructured: ends with the error a transform throws, on a synchronous answer', async () => {
    await rejectsWithoutCrash(lastOf(chatStructured(syncModel(), 'a', schema)), thrown);
  });

  it('chatStructured: ends with the error a transform throws, after an asynchronous failure', async () => {
    failOnceThenAnswer();
    await rejectsWithoutCrash(lastOf(chatStructured(model, 'a', schema)), thrown);
  });

  it('parallelChatStructured: rejects with the error a transform throws, on a synchronous answer', async () => {
    await rejectsWithoutCrash(() => parallelChatStructured(syncModel(), ['a', 'b'], schema), thrown);
  });

  it('parallelChatStructured: rejects with the error a refinement throws, after an asynchronous failure', async () => {
    failOnceThenAnswer();
    const refined = z.object({ n: z.number() }).refine(() => {
      throw thrown;
    });
    await rejectsWithoutCrash(() => parallelChatStructured(model, ['a'], refined, { retry: quickRetry }), thrown);
  });
});

describe('a provider of the user’s own', () => {
  // A provider's failures are the prompt's failure by contract (`ok: false`, the throw as `cause`): the run goes on.
  it('chatEach: makes what its chat() throws that prompt\'s failure, without a crash', async () => {
    const thrown = new Error('provider bug');
    const { model: broken } = fakeModel({
      chat: () => {
        throw thrown;
      },
    });
    const uncaught = watchUncaught();
    const result = await lastValueFrom(from(['a']).pipe(chatEach(broken)));
    expect(result.ok ? undefined : result.error.cause).toBe(thrown);
    await uncaught.none();
  });

  it('streamEach: makes what its stream() throws that prompt\'s failure, without a crash', async () => {
    const thrown = new Error('provider bug');
    const { model: broken } = fakeModel({
      stream: () => {
        throw thrown;
      },
    });
    const uncaught = watchUncaught();
    const item = await lastValueFrom(from(['a']).pipe(streamEach(broken)));
    const error: unknown = await item.text.then(() => undefined, (reason: unknown) => reason);
    expect((error as Error).cause).toBe(thrown);
    await uncaught.none();
  });
});
