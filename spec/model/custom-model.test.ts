import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { customModel } from '../../src/model/custom-model.js';
import { APIConnectionError, InvalidOptionsError, StreamInterruptedError } from '../../src/errors/llm-error.js';
import { BadRequestError, ServerError } from '../../src/errors/api-call-error.js';
import type { ChatChunk, ChatResponse } from '../../src/types.js';
import { fakeProvider } from '../support/fake-provider.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const answer: ChatResponse = { text: 'Lima', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 1 }, model: 'm', raw: {} };
const unavailable = new ServerError('down', { status: 500 });

describe('customModel', () => {
  it('describes itself: id, model, provider, params, retry', () => {
    const provider = fakeProvider({ id: 'local' });
    const model = customModel(provider, { model: 'm', params: { temperature: 0 }, retry: { maxRetries: 5 } });
    expect(model).toMatchObject({ id: 'local/m', model: 'm', params: { temperature: 0 }, retry: { maxRetries: 5 } });
    expect(model.provider).toBe(provider);
  });

  it('is cold, and resolves each prompt with factory params under call params', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const provider = fakeProvider({ chat: () => cold('--a|', { a: answer }) });
      const model = customModel(provider, { model: 'm', params: { temperature: 0.1, maxTokens: 5 } });
      const chat$ = model.chat('Capital of Peru?', { temperature: 0.9 });
      expect(provider.requests).toHaveLength(0);
      expectObservable(chat$).toBe('--a|', { a: answer });
      scheduler.flush();
      expect(provider.requests).toEqual([{ model: 'm', messages: [{ role: 'user', content: 'Capital of Peru?' }], params: { temperature: 0.9, maxTokens: 5 } }]);
    }));

  it('retries chat per the retry policy in virtual time', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const provider = fakeProvider({ chat: (_, call) => (call < 2 ? cold('-#', undefined, unavailable) : cold('-a|', { a: answer })) });
      const model = customModel(provider, { model: 'm', retry: { initialDelayMs: 10, jitter: false }, scheduler });
      expectObservable(model.chat('hi')).toBe('33ms a|', { a: answer });
    }));

  it('does not retry what is not retryable', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const bad = new BadRequestError('bad', { status: 400 });
      const provider = fakeProvider({ chat: () => cold('-#', undefined, bad) });
      const model = customModel(provider, { model: 'm', retry: { initialDelayMs: 10 }, scheduler });
      expectObservable(model.chat('hi')).toBe('-#', undefined, bad);
      scheduler.flush();
      expect(provider.requests).toHaveLength(1);
    }));

  it('fails an invalid prompt with InvalidOptionsError, calling nothing', () => {
    const provider = fakeProvider();
    const model = customModel(provider, { model: 'm' });
    let error: unknown;
    model.chat([] as never).subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(provider.requests).toHaveLength(0);
  });

  it('retries a stream that fails before its first chunk', () =>
    scheduler.run(({ cold, expectObservable }) => {
      const chunks: Record<string, ChatChunk> = { a: { text: 'Li' }, b: { text: 'ma' } };
      const provider = fakeProvider({
        stream: (_, call) => (call === 0 ? cold('-#', undefined, new APIConnectionError('reset')) : cold('-a-b|', chunks)),
      });
      const model = customModel(provider, { model: 'm', retry: { initialDelayMs: 10, jitter: false }, scheduler });
      expectObservable(model.stream('hi')).toBe('12ms a-b|', chunks);
    }));

  it('fails a stream that breaks after its first chunk with StreamInterruptedError, without retrying', () => {
    const texts: string[] = [];
    let failure: unknown;
    scheduler.run(({ cold, flush }) => {
      const provider = fakeProvider({ id: 'local', stream: () => cold('-a-#', { a: { text: 'Li' } }, new APIConnectionError('reset')) });
      const model = customModel(provider, { model: 'm', retry: { initialDelayMs: 1 }, scheduler });
      model.stream('hi').subscribe({ next: (chunk) => texts.push(chunk.text), error: (error: unknown) => (failure = error) });
      flush();
      expect(provider.requests).toHaveLength(1);
    });
    expect(texts).toEqual(['Li']);
    expect(failure).toBeInstanceOf(StreamInterruptedError);
    expect(failure).toMatchObject({ partialText: 'Li', provider: 'local', retryable: false });
  });
});
