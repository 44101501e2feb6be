import { from, Observable, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadRequestError } from '../../src/errors/api-call-error.js';
import { isLlmError, StructuredOutputError } from '../../src/errors/llm-error.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { parallelChatText } from '../../src/promise/parallel-chat-text.js';
import { partialResultsOf } from '../../src/promise/partial-results.js';
import { parallelChatStructured } from '../../src/structured/parallel-chat-structured.js';
import type { ChatResponse, Prompt } from '../../src/types.js';
import { fakeModel, promptOf, reply } from '../support/fake-provider.js';

const fast = { rpm: Infinity } as const;
const bad = () => new BadRequestError('fake answered 400', { status: 400, provider: 'fake' });

/** A model answering a prompt's text upper-cased, failing prompts that start with `fail`. */
function echo(answers: Record<string, string> = {}) {
  const responses: ChatResponse[] = [];
  const { model, provider } = fakeModel({
    chat: (request) => {
      const text = promptOf(request);
      if (text.startsWith('fail')) return throwError(bad);
      const response = reply(answers[text] ?? text.toUpperCase());
      responses.push(response);
      return from([response]);
    },
  });
  return { model, provider, responses };
}

describe('prompt items through the Promise wrappers', () => {
  it("parallelChat: a ChatResponse or LlmError carries its item's id and meta; the provider's response and plain prompts carry nothing", async () => {
    const { model, responses } = echo();
    const results = await parallelChat(model, [{ id: 'q1', prompt: 'a', meta: { row: 1 } }, { id: 2, prompt: 'fail b', meta: 'm' }, 'c'], {
      ...fast,
      onError: 'continue',
    });
    const [a, b, c] = results;
    expect(a).toMatchObject({ text: 'A', id: 'q1', meta: { row: 1 } });
    expect(isLlmError(b) && [b.name, b.id, b.meta]).toEqual(['BadRequestError', 2, 'm']);
    expect(c).toMatchObject({ text: 'C' });
    expect(c != null && 'id' in c).toBe(false);
    expect(responses.every((response) => !('id' in response) && !('meta' in response))).toBe(true); // copies were tagged
  });

  it("parallelChat with onError 'return': unsent items are null, and the failure that stopped the run names its item", async () => {
    const { model } = echo();
    const items: Prompt[] = [{ id: 'x', prompt: 'fail x' }, { id: 'y', prompt: 'y' }];
    const results = await parallelChat(model, items, { ...fast, maxActive: 1 });
    expect(results[1]).toBeNull();
    expect(isLlmError(results[0]) && results[0].id).toBe('x');
  });

  it("parallelChat with onError 'stop' rejects with the item's error, carrying its id and meta", async () => {
    const { model } = echo();
    const run = parallelChat(model, [{ id: 'ok', prompt: 'a' }, { id: 'bad', prompt: 'fail', meta: { n: 1 } }], { ...fast, onError: 'stop', maxActive: 1 });
    const error = await run.catch((thrown: unknown) => thrown);
    expect(isLlmError(error) && [error.id, error.meta]).toEqual(['bad', { n: 1 }]);
    expect(partialResultsOf<ChatResponse>(error)?.[0]).toMatchObject({ text: 'A', id: 'ok' });
  });

  it('parallelChatText: texts carry nothing, errors carry their id', async () => {
    const { model } = echo();
    const texts = await parallelChatText(model, [{ id: 'a', prompt: 'a' }, { id: 'b', prompt: 'fail' }], { ...fast, onError: 'continue' });
    expect(texts[0]).toBe('A');
    expect(isLlmError(texts[1]) && texts[1].id).toBe('b');
  });

  it('parallelChatStructured: items are sent with the schema; a schema failure carries the id and meta, also after a repair', async () => {
    const { model, provider } = echo({ good: '{"city":"Lima"}', worse: 'not json' });
    const City = z.object({ city: z.string() });
    const results = await parallelChatStructured(
      model,
      [{ id: 'g', prompt: 'good', meta: 1 }, { id: 'w', messages: [{ role: 'user', content: 'worse' }], meta: 2 }],
      City,
      { ...fast, onError: 'continue', repair: true },
    );
    expect(results[0]).toEqual({ city: 'Lima' }); // a value of the user's schema: never tagged
    const failure = results[1];
    expect(failure).toBeInstanceOf(StructuredOutputError);
    expect(isLlmError(failure) && [failure.id, failure.meta]).toEqual(['w', 2]);
    expect(provider.requests).toHaveLength(3); // two answers and one repair
    expect(provider.requests.every((request) => request.params.responseFormat?.type === 'json_schema')).toBe(true);
  });

  it('parallelChatStructured: a bad item is reported by the run, naming the field', async () => {
    const { model, provider } = echo();
    const results = await parallelChatStructured(model, [{ id: 'a', prompt: 'x', extra: 1 } as Prompt], z.object({ n: z.number() }), fast);
    expect(isLlmError(results[0]) && results[0].message).toContain('prompts[0]: unknown field "extra"');
    expect(provider.requests).toEqual([]);
  });

  it('takes items from an Observable too', async () => {
    const { model } = echo();
    const source = new Observable<Prompt>((subscriber) => {
      subscriber.next({ id: 'o', prompt: 'o', meta: true });
      subscriber.complete();
    });
    expect(await parallelChat(model, source, fast)).toEqual([expect.objectContaining({ text: 'O', id: 'o', meta: true })]);
  });
});
