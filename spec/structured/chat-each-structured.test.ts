import { from, lastValueFrom, map, type Observable, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BadRequestError,
  type ChatModel,
  chatEachStructured,
  costOf,
  InvalidOptionsError,
  openai,
  priceTierOf,
  type Prompt,
  RefusalError,
  StructuredOutputError,
  type StructuredResult,
  summarizeUsage,
} from '../../src/index.js';
import { fakeModel, promptOf, reply } from '../support/fake-provider.js';
import { respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { completionBody } from '../support/openai-transcripts.js';
import { recordingLimiter } from '../support/test-limiter.js';

const City = z.object({ city: z.string() });
const prices = { 'test-model': { inputPerMillion: 1_000, outputPerMillion: 4_000 } };

const { server, keep } = useLocalModels();

type Wire = { messages: Array<{ role: string; content: string }>; response_format?: { type: string; json_schema: { name: string } } };
const userText = (body: unknown) => (body as Wire).messages.filter((message) => message.role === 'user').at(-1)!.content;

/** Answers by the prompt: a city, text that is not JSON, a wrong shape, or a 400; usage grows with the prompt. */
function answering(): void {
  server.handle((exchange) => {
    const text = userText(exchange.request.body);
    if (text.includes('reject')) return respond.json(400, { error: { message: 'bad', type: 'invalid_request_error' } })(exchange);
    const answer = text.includes('prose') ? 'Lima, I think.' : text.includes('shape') ? '{"city":5}' : '{"city":"Lima"}';
    return respond.json(200, completionBody(answer, { usage: { prompt_tokens: text.length, completion_tokens: 7 } }))(exchange);
  });
}

function model(): ChatModel {
  return keep(openai({ baseURL: server.url, apiKey: 'sk-test', model: 'test-model', maxRetries: 0 }));
}

async function run<T>(operator: (source: Observable<Prompt>) => Observable<StructuredResult<T>>, prompts: Prompt[]) {
  const results = await lastValueFrom(operator(from(prompts)).pipe(toArray()));
  return results.sort((a, b) => a.index - b.index);
}

describe('chatEachStructured', () => {
  it('emits typed values with the item id and meta, the usage and the cost of each answer', async () => {
    answering();
    const prompts: Prompt[] = [{ id: 'pe', prompt: 'Capital of Peru?', meta: { row: 1 } }, 'Capital of Chile, please?'];
    const results = await run((source) => source.pipe(chatEachStructured(model(), City, { prices })), prompts);
    expect(results.map((result) => (result.ok ? result.value.city : result.error.message))).toEqual(['Lima', 'Lima']);
    const [first, second] = results as Array<StructuredResult<{ city: string }> & { ok: true }>;
    expect(first).toMatchObject({ index: 0, id: 'pe', meta: { row: 1 }, attempts: 1, usage: { inputTokens: 'Capital of Peru?'.length, outputTokens: 7 } });
    expect(second!.index).toBe(1);
    expect('id' in second!).toBe(false);
    expect(first!.cost).toBe(costOf('test-model', first!.usage, prices, priceTierOf(first!.response.serviceTier)));
    expect(first!.cost).toBeGreaterThan(0);
    const sent = server.requests.map((request) => (request.body as Wire).response_format);
    expect(sent.every((format) => format?.type === 'json_schema' && format.json_schema.name === 'answer')).toBe(true);
  });

  it('makes an answer that fails the schema an ok: false result that keeps its response, usage and cost, and goes on', async () => {
    answering();
    const prompts: Prompt[] = [{ id: 'a', prompt: 'prose please' }, { id: 'b', prompt: 'wrong shape' }, { id: 'c', prompt: 'Peru' }];
    const results = await run((source) => source.pipe(chatEachStructured(model(), City, { prices, onError: 'stop' })), prompts);
    const [prose, shape, good] = results;
    expect(prose).toMatchObject({ ok: false, id: 'a', usage: { inputTokens: 'prose please'.length, outputTokens: 7 } });
    expect(prose!.ok ? undefined : prose!.error).toBeInstanceOf(StructuredOutputError);
    expect(prose!.ok ? undefined : (prose!.error as StructuredOutputError).rawText).toBe('Lima, I think.');
    expect(shape!.ok ? undefined : shape!.error).toMatchObject({ id: 'b', usage: { inputTokens: 'wrong shape'.length, outputTokens: 7 } });
    expect(shape!.cost).toBe(costOf('test-model', shape!.usage!, prices));
    expect(good).toMatchObject({ ok: true, value: { city: 'Lima' } });
  });

  it('gives results that summarizeUsage sums, counting the tokens and cost of answers that failed the schema', async () => {
    answering();
    const prompts: Prompt[] = ['Peru', 'prose', 'reject this', 'Chile'];
    const results = await run((source) => source.pipe(chatEachStructured(model(), City, { prices })), prompts);
    const summary = summarizeUsage(results, prices);
    expect(summary).toMatchObject({ results: 4, succeeded: 2, failed: 2, notSubmitted: 0 });
    const paid = results.flatMap((result) => (result.usage === undefined ? [] : [result.usage]));
    expect(paid).toHaveLength(3); // the 400 got no answer
    expect(summary.inputTokens).toBe(paid.reduce((sum, usage) => sum + usage.inputTokens, 0));
    expect(summary.outputTokens).toBe(21);
    expect(summary.cost).toBeCloseTo(results.reduce((sum, result) => sum + (result.cost ?? 0), 0), 12);
    expect(results[2]!.ok ? undefined : results[2]!.error).toBeInstanceOf(BadRequestError);
  });

  it('accepts a JSON Schema object and validates answers with it', async () => {
    answering();
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const results = await run((source) => source.pipe(chatEachStructured(model(), schema, { name: 'city' })), ['Peru', 'shape']);
    expect(results[0]).toMatchObject({ ok: true, value: { city: 'Lima' } });
    expect(results[1]!.ok ? undefined : results[1]!.error).toBeInstanceOf(StructuredOutputError);
    expect((server.requests[0]!.body as Wire).response_format?.json_schema.name).toBe('city');
  });

  it('makes an invalid prompt an InvalidOptionsError result without sending it', async () => {
    answering();
    const results = await run((source) => source.pipe(chatEachStructured(model(), City)), [{ id: 'x', prompt: 'Peru', extra: 1 } as unknown as Prompt, 'Peru']);
    expect(results[0]!.ok ? undefined : results[0]!.error).toBeInstanceOf(InvalidOptionsError);
    expect(results[1]!.ok).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses bad options and schemas at once, naming the field', () => {
    const made = fakeModel().model;
    expect(() => chatEachStructured(made, City, { maxActive: 0 })).toThrow(/chatEachStructured\(\) options.*maxActive/);
    expect(() => chatEachStructured(made, City, { name: 'no spaces allowed' })).toThrow(/options\.name/);
    expect(() => chatEachStructured(made, City, { prices: { m: { inputPerMillion: -1 } } as never })).toThrow(/options\.prices/);
    expect(() => chatEachStructured(made, 'city' as never)).toThrow(/chatEachStructured\(\) schema/);
  });

  it('emits in completion order, a refusal as a RefusalError result (marbles)', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const calls = {
        a: cold('10ms (r|)', { r: reply('{"city":"A"}') }),
        b: cold('3ms (r|)', { r: reply('no', undefined, { finishReason: 'refusal' }) }),
        c: cold('5ms (r|)', { r: reply('{"city":"C"}') }),
      };
      const { model: fake } = fakeModel({ chat: (request) => calls[promptOf(request) as 'a' | 'b' | 'c'] });
      const results = from(['a', 'b', 'c']).pipe(chatEachStructured(fake, City, { maxActive: 2, limiter: recordingLimiter() }));
      const summary = (result: StructuredResult<{ city: string }>) =>
        result.ok ? `${result.index}:${result.value.city}` : `${result.index}:${result.error instanceof RefusalError}`;
      expectObservable(results.pipe(map(summary))).toBe('3ms x 4ms y 1ms (z|)', { x: '1:true', y: '2:C', z: '0:A' });
      expectSubscriptions(calls.c.subscriptions).toBe('3ms ^ 4ms !');
    });
  });
});

