import { from, Observable, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, isLlmError, type LlmError } from '../../src/errors/llm-error.js';
import { BadRequestError, InsufficientCreditsError } from '../../src/errors/api-call-error.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { parallelChatText } from '../../src/promise/parallel-chat-text.js';
import { partialResultsOf } from '../../src/promise/partial-results.js';
import { progressTracker, type Progress } from '../../src/progress/progress-tracker.js';
import type { ChatResponse } from '../../src/types.js';
import { fakeModel, promptOf, reply } from '../support/fake-provider.js';

/** A model whose requests wait until the test answers them, by prompt text. */
function controlled() {
  const pending = new Map<string, { answer: (response: ChatResponse) => void; fail: (error: unknown) => void }>();
  const aborted: string[] = [];
  const { model, provider } = fakeModel({
    chat: (request) =>
      new Observable<ChatResponse>((subscriber) => {
        const prompt = promptOf(request);
        let done = false;
        pending.set(prompt, {
          answer: (response) => {
            done = true;
            subscriber.next(response);
            subscriber.complete();
          },
          fail: (error) => {
            done = true;
            subscriber.error(error);
          },
        });
        return () => {
          pending.delete(prompt);
          if (!done) aborted.push(prompt);
        };
      }),
  });
  const answer = (prompt: string) => pending.get(prompt)!.answer(reply(prompt.toUpperCase()));
  const fail = (prompt: string, error: unknown) => pending.get(prompt)!.fail(error);
  return { model, provider, pending, aborted, answer, fail };
}

const fast = { rpm: Infinity } as const;
const bad = () => new BadRequestError('fake answered 400', { status: 400 });
const textOf = (result: ChatResponse | LlmError | null) => (result === null ? null : isLlmError(result) ? result.name : result.text);

describe('parallelChat', () => {
  it('resolves with the results in input order, whatever the completion order', async () => {
    const { model, answer, pending } = controlled();
    const results = parallelChat(model, ['a', 'b', 'c'], fast);
    expect([...pending.keys()]).toEqual(['a', 'b', 'c']);
    answer('c');
    answer('a');
    answer('b');
    expect((await results).map(textOf)).toEqual(['A', 'B', 'C']);
  });

  it("by default ('return') submits nothing new after the first failure, lets in-flight requests finish, and leaves the rest null", async () => {
    const { model, answer, fail, pending, provider } = controlled();
    const results = parallelChat(model, ['a', 'b', 'c', 'd'], { ...fast, maxActive: 2 });
    fail('a', bad());
    expect([...pending.keys()]).toEqual(['b']);
    answer('b');
    expect((await results).map(textOf)).toEqual(['BadRequestError', 'B', null, null]);
    expect(provider.requests.map(promptOf)).toEqual(['a', 'b']);
  });

  it("with onError 'continue' answers every prompt, failures included", async () => {
    const { model, answer, fail } = controlled();
    const results = parallelChat(model, ['a', 'b', 'c'], { ...fast, onError: 'continue', maxActive: 1 });
    fail('a', bad());
    answer('b');
    answer('c');
    expect((await results).map(textOf)).toEqual(['BadRequestError', 'B', 'C']);
  });

  it("with onError 'stop' aborts the requests in flight and rejects with the failure, partial results attached", async () => {
    const { model, answer, fail, aborted } = controlled();
    const error = bad();
    const results = parallelChat(model, ['a', 'b', 'c', 'd'], { ...fast, onError: 'stop', maxActive: 3 });
    answer('a');
    fail('b', error);
    await expect(results).rejects.toBe(error);
    expect(aborted).toEqual(['c', 'd']); // d started when a finished
    expect(partialResultsOf<ChatResponse | LlmError | null>(error)?.map(textOf)).toEqual(['A', 'BadRequestError', null, null]);
  });

  it("rejects with a fatal error even with onError 'continue'", async () => {
    const { model, fail, aborted } = controlled();
    const fatal = new InsufficientCreditsError('fake answered 402', { status: 402 });
    const results = parallelChat(model, ['a', 'b'], { ...fast, onError: 'continue' });
    fail('a', fatal);
    await expect(results).rejects.toBe(fatal);
    expect(aborted).toEqual(['b']);
    expect(partialResultsOf(fatal)).toEqual([fatal, null]);
  });

  it('rejects with signal.reason when the signal aborts, aborting the requests in flight', async () => {
    const { model, answer, aborted } = controlled();
    const controller = new AbortController();
    const results = parallelChat(model, ['a', 'b', 'c'], { ...fast, signal: controller.signal, maxActive: 2 });
    answer('a');
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await expect(results).rejects.toBe(reason);
    expect(aborted).toEqual(['b', 'c']);
    expect(partialResultsOf<ChatResponse | null>(reason)?.map(textOf)).toEqual(['A', null, null]);
  });

  it("resolves with what is done when the signal aborts and onAbort is 'resolve'", async () => {
    const { model, answer, aborted } = controlled();
    const controller = new AbortController();
    const results = parallelChat(model, ['a', 'b', 'c'], { ...fast, signal: controller.signal, onAbort: 'resolve', maxActive: 2 });
    answer('a');
    controller.abort();
    expect((await results).map(textOf)).toEqual(['A', null, null]);
    expect(aborted).toEqual(['b', 'c']);
  });

  it('rejects at once, sending nothing, when the signal is already aborted', async () => {
    const { model, provider } = controlled();
    const reason = new Error('too late');
    await expect(parallelChat(model, ['a'], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(provider.requests).toHaveLength(0);
  });

  it('gives an invalid prompt its InvalidOptionsError, naming it', async () => {
    const { model } = fakeModel({ chat: (request) => of(reply(promptOf(request))) });
    const results = await parallelChat(model, ['a', { messages: [] }, 'c'], { ...fast, onError: 'continue' });
    expect(results[1]).toBeInstanceOf(InvalidOptionsError);
    expect((results[1] as LlmError).message).toMatch(/^prompts\[1\]\.messages/);
    expect(results.map(textOf)).toEqual(['a', 'InvalidOptionsError', 'c']);
  });

  it('reads prompts from any iterable, async iterable or Observable', async () => {
    const { model } = fakeModel({ chat: (request) => of(reply(promptOf(request))) });
    async function* generate() {
      yield 'x';
      yield 'y';
    }
    expect((await parallelChat(model, new Set(['a', 'b']), fast)).map(textOf)).toEqual(['a', 'b']);
    expect((await parallelChat(model, generate(), fast)).map(textOf)).toEqual(['x', 'y']);
    expect((await parallelChat(model, from(['o', 'p']), fast)).map(textOf)).toEqual(['o', 'p']);
  });

  it('rejects with an LlmError, the thrown error kept as cause and the results so far attached, when the prompts generator throws', async () => {
    const { model } = fakeModel({ chat: (request) => of(reply(promptOf(request))) });
    const thrown = new Error('the prompt file is unreadable');
    function* failing() {
      yield 'a';
      throw thrown;
    }
    for (const source of [failing(), (async function* () { yield* failing(); })()]) {
      const error: unknown = await parallelChat(model, source, fast).then(() => undefined, (reason: unknown) => reason);
      expect(isLlmError(error)).toBe(true);
      expect((error as LlmError).cause).toBe(thrown);
      expect((error as LlmError).message).toMatch(/prompts.*the prompt file is unreadable/);
      expect(partialResultsOf(error)?.length).toBeGreaterThanOrEqual(1);
    }
  });

  it('covers only the prompts read when an iterable is cut short by a failure', async () => {
    const { model, fail } = controlled();
    let read = 0;
    function* endless() {
      for (;;) yield `p${read++}`;
    }
    const results = parallelChat(model, endless(), { ...fast, maxActive: 2, readAhead: 1 });
    fail('p0', bad());
    fail('p1', bad());
    expect((await results).map(textOf)).toEqual(['BadRequestError', 'BadRequestError', null]);
    expect(read).toBe(3);
  });

  it('reports progress, with the total of an array', async () => {
    const { model } = fakeModel({ chat: (request) => of(reply(promptOf(request))) });
    const seen: Progress[] = [];
    await parallelChat(model, ['a', 'b'], { ...fast, onProgress: (progress) => seen.push(progress) });
    expect(seen.at(-1)).toMatchObject({ total: 2, submitted: 2, done: 2, succeeded: 2, failed: 0, inFlight: 0, etaMs: 0 });
    const tracker = progressTracker();
    await parallelChat(model, ['a', 'b', 'c'], { ...fast, progress: tracker });
    expect(tracker.snapshot()).toMatchObject({ total: 3, done: 3 });
  });

  it('rejects a string, other non-sources, and bad options with InvalidOptionsError', async () => {
    const { model } = fakeModel();
    await expect(parallelChat(model, 'hello' as never)).rejects.toThrow(/parallelChat\(\) prompts: .*got a string/);
    await expect(parallelChat(model, 42 as never)).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(parallelChat(model, [], { onAbort: 'ignore' } as never)).rejects.toThrow(/parallelChat\(\) options\.onAbort/);
    await expect(parallelChat(model, [], { maxActive: -1 })).rejects.toThrow(/options\.maxActive/);
  });

  it('resolves an empty array for no prompts', async () => {
    const { model } = fakeModel();
    expect(await parallelChat(model, [])).toEqual([]);
  });
});

describe('parallelChatText', () => {
  it('keeps the text of each answer, errors and nulls in place', async () => {
    const { model, answer, fail } = controlled();
    const results = parallelChatText(model, ['a', 'b', 'c', 'd'], { ...fast, maxActive: 2 });
    answer('b');
    fail('a', bad());
    answer('c');
    const texts = await results;
    expect(texts[0]).toBeInstanceOf(BadRequestError);
    expect(texts.slice(1)).toEqual(['B', 'C', null]);
  });

  it('attaches the texts gathered so far to a rejection', async () => {
    const { model, answer, fail } = controlled();
    const error = bad();
    const results = parallelChatText(model, ['a', 'b'], { ...fast, onError: 'stop' });
    answer('a');
    fail('b', error);
    await expect(results).rejects.toBe(error);
    expect(partialResultsOf(error)).toEqual(['A', error]);
  });
});

describe('parallelChat with a Subject source', () => {
  it('answers prompts as they arrive and resolves when the Subject completes', async () => {
    const { model } = fakeModel({ chat: (request) => of(reply(promptOf(request))) });
    const prompts = new Subject<string>();
    const results = parallelChat(model, prompts, fast);
    prompts.next('a');
    prompts.next('b');
    prompts.complete();
    expect((await results).map(textOf)).toEqual(['a', 'b']);
  });
});
