import { from, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors/llm-error.js';
import { BadRequestError } from '../../src/errors/api-call-error.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import type { ChatResponse, ChatResult, Prompt } from '../../src/types.js';
import { chunk, fakeModel, promptOf, reply } from '../support/fake-provider.js';
import { recordingLimiter } from '../support/test-limiter.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const bad = new BadRequestError('fake answered 400', { status: 400, provider: 'fake' });

describe('prompt items through chatEach', () => {
  it("puts each item's id and meta at the top level of its result, ok or failed, and nothing on plain prompts", () =>
    scheduler.run(({ cold, expectObservable }) => {
      const [A, C] = [reply('A'), reply('C')];
      const calls: Record<string, Observable<ChatResponse>> = {
        a: cold('1ms (r|)', { r: A }),
        b: cold('2ms #', undefined, bad),
        c: cold('3ms (r|)', { r: C }),
      };
      const { model } = fakeModel({ chat: (request) => calls[promptOf(request)]! });
      const a: Prompt = { id: 'q1', prompt: 'a', meta: { row: 1 } };
      const b: Prompt = { id: 7, messages: [{ role: 'user', content: 'b' }], meta: ['x'] };
      const results = from([a, b, 'c']).pipe(chatEach(model, { limiter: recordingLimiter() }));
      expectObservable(results).toBe('1ms a b (c|)', {
        a: { index: 0, prompt: a, ok: true, response: A, attempts: 1, id: 'q1', meta: { row: 1 } },
        b: { index: 1, prompt: b, ok: false, error: bad, attempts: 1, id: 7, meta: ['x'] },
        c: { index: 2, prompt: 'c', ok: true, response: C, attempts: 1 },
      });
    }));

  it('sends an item with its own params, which win over the call and the model', () => {
    const { model, provider } = fakeModel({ chat: (request) => from([reply(promptOf(request))]) }, { params: { temperature: 1, maxTokens: 5 } });
    const seen: ChatResult[] = [];
    from([{ id: 'p', prompt: 'hi', params: { maxTokens: 50 } }])
      .pipe(chatEach(model, { rpm: Infinity, params: { temperature: 0.5 } }))
      .subscribe((result) => seen.push(result));
    expect(provider.requests[0]!.params).toEqual({ temperature: 0.5, maxTokens: 50 });
    expect(provider.requests[0]!.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(seen.map((result) => [result.id, result.ok])).toEqual([['p', true]]);
  });

  it('keeps every result of items sharing an id, each with its own index', () => {
    const { model } = fakeModel({ chat: (request) => from([reply(promptOf(request))]) });
    const seen: ChatResult[] = [];
    from([{ id: 'dup', prompt: 'x' }, { id: 'dup', prompt: 'y' }])
      .pipe(chatEach(model, { rpm: Infinity }))
      .subscribe((result) => seen.push(result));
    expect(seen.map((result) => [result.index, result.id, result.ok && result.response.text])).toEqual([
      [0, 'dup', 'x'],
      [1, 'dup', 'y'],
    ]);
  });

  it.each([
    [{ id: 'a', prompt: 'x', messages: [{ role: 'user', content: 'x' }] }, 'prompts[0]: expected exactly one of "prompt" or "messages"'],
    [{ id: 'a', meta: 1 }, 'prompts[0]: expected exactly one of "prompt" or "messages"'],
    [{ id: { nested: true }, prompt: 'x' }, 'prompts[0].id: expected a non-empty string (at most 1024 characters) or a safe integer'],
    [{ id: '', prompt: 'x' }, 'prompts[0].id: expected a non-empty string'],
    [{ id: 1.5, prompt: 'x' }, 'prompts[0].id: expected a non-empty string'],
    [{ id: 'a', prompt: 42 }, 'prompts[0].prompt: expected a string or an array of messages'],
    [{ id: 'a', messages: 'x' }, 'prompts[0].messages: expected an array of messages'],
    [{ id: 'a', prompt: 'x', tags: [] }, 'prompts[0]: unknown field "tags"'],
    [{ id: 'a', prompt: [{ role: 'robot', content: 'x' }] }, 'prompts[0][0].role'],
    [{ id: 'a', prompt: 'x', params: { maxTokens: -1 } }, 'prompts[0].params.maxTokens'],
  ])('fails the item %j with a message naming the field, and sends nothing', (item, message) => {
    const { model, provider } = fakeModel({ chat: (request) => from([reply(promptOf(request))]) });
    const seen: ChatResult[] = [];
    from([item as Prompt]).pipe(chatEach(model, { rpm: Infinity })).subscribe((result) => seen.push(result));
    expect(provider.requests).toEqual([]);
    const [result] = seen;
    expect(result?.ok).toBe(false);
    if (result?.ok !== false) return;
    expect(result.error).toBeInstanceOf(InvalidOptionsError);
    expect(result.error.message).toContain(message);
  });
});

describe('prompt items through streamEach', () => {
  it("puts each item's id and meta at the top level of its stream item, and nothing on plain prompts", async () => {
    const { model } = fakeModel({ stream: (request) => from([chunk(promptOf(request)), chunk('', { finishReason: 'stop' })]) });
    const items: Array<{ index: number; id?: unknown; meta?: unknown; text: Promise<string> }> = [];
    from([{ id: 'q1', prompt: 'a', meta: { row: 1 } }, 'b'])
      .pipe(streamEach(model, { rpm: Infinity }))
      .subscribe((item) => items.push(item));
    expect(items.map(({ index, id, meta }) => ({ index, id, meta }))).toEqual([
      { index: 0, id: 'q1', meta: { row: 1 } },
      { index: 1, id: undefined, meta: undefined },
    ]);
    expect('id' in items[1]!).toBe(false);
    expect(await Promise.all(items.map((item) => item.text))).toEqual(['a', 'b']);
  });
});
