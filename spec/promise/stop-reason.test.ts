import { from, NEVER, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadRequestError } from '../../src/errors/api-call-error.js';
import { BudgetExceededError } from '../../src/errors/llm-error.js';
import { usageBudget } from '../../src/cost/usage-budget.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { parallelChatText } from '../../src/promise/parallel-chat-text.js';
import { partialResultsOf } from '../../src/promise/partial-results.js';
import { stopReasonOf } from '../../src/promise/stop-reason.js';
import { parallelChatStructured } from '../../src/structured/parallel-chat-structured.js';
import { fakeModel, promptOf, reply } from '../support/fake-provider.js';

const fast = { rpm: Infinity } as const;

/** Answers `{"n":1}`; fails prompts starting with `fail` (400); leaves prompts starting with `wait` unanswered. */
function model() {
  return fakeModel({
    chat: (request) => {
      const text = promptOf(request);
      if (text.startsWith('fail')) return throwError(() => new BadRequestError(`400 for ${text}`, { status: 400 }));
      if (text.startsWith('wait')) return NEVER;
      return from([reply('{"n":1}')]);
    },
  });
}

describe('stopReasonOf', () => {
  it("gives the failure that stopped a run with the default onError ('return'), the prompts after it null", async () => {
    const { model: m } = model();
    const results = await parallelChat(m, ['a', 'fail b', 'c', 'd'], { ...fast, maxActive: 1 });
    expect(results.slice(2)).toEqual([null, null]);
    const reason = stopReasonOf(results);
    expect(reason).toMatchObject({ kind: 'error', index: 1 });
    expect(reason?.kind === 'error' && reason.error).toBe(results[1]);
  });

  it("gives nothing when nothing stopped the run (onError 'continue', or no failure)", async () => {
    const { model: m } = model();
    expect(stopReasonOf(await parallelChat(m, ['fail a', 'b'], { ...fast, onError: 'continue' }))).toBeUndefined();
    expect(stopReasonOf(await parallelChatText(m, ['a', 'b'], fast))).toBeUndefined();
    expect(stopReasonOf([null, null])).toBeUndefined();
  });

  it("gives the failure that rejected a run (onError 'stop'), from partialResultsOf(error)", async () => {
    const { model: m } = model();
    const error = await parallelChat(m, ['a', 'fail b', 'c'], { ...fast, maxActive: 1, onError: 'stop' }).catch((thrown: unknown) => thrown);
    const partial = partialResultsOf(error)!;
    expect(stopReasonOf(partial)).toEqual({ kind: 'error', index: 1, error });
  });

  it('gives the budget, with the first prompt it refused', async () => {
    const { model: m, provider } = model();
    const budget = usageBudget({ maxTotalTokens: 150 });
    const prompts = ['a', { prompt: 'b', params: { maxTokens: 1000 } }, 'c'];
    const results = await parallelChat(m, prompts, { ...fast, maxActive: 1, budget, params: { maxTokens: 100 } });
    expect(provider.requests.map(promptOf)).toEqual(['a']); // b's worst case could overrun the budget: the run stops there
    expect(results.slice(1)).toEqual([null, null]);
    const reason = stopReasonOf(results);
    expect(reason).toMatchObject({ kind: 'budget', index: 1 });
    expect(reason?.kind === 'budget' && reason.error).toBeInstanceOf(BudgetExceededError);
  });

  it("gives the abort and its reason (onAbort 'resolve')", async () => {
    const { model: m } = model();
    const controller = new AbortController();
    const run = parallelChat(m, ['wait a', 'wait b', 'c'], { ...fast, maxActive: 2, signal: controller.signal, onAbort: 'resolve' });
    controller.abort('user pressed stop');
    const results = await run;
    expect(results[2]).toBeNull();
    expect(stopReasonOf(results)).toEqual({ kind: 'abort', reason: 'user pressed stop' });
  });

  it('survives parallelChatStructured turning responses into values', async () => {
    const { model: m } = model();
    const results = await parallelChatStructured(m, ['a', 'fail b', 'c'], z.object({ n: z.number() }), { ...fast, maxActive: 1 });
    expect(results[0]).toEqual({ n: 1 });
    expect(results[2]).toBeNull();
    expect(stopReasonOf(results)).toMatchObject({ kind: 'error', index: 1 });
  });
});
