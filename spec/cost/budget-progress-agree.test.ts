import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChatModel, chatEach, costOf, openai, progressTracker, summarizeUsage, usageBudget } from '../../src/index.js';
import { type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { completionBody } from '../support/openai-transcripts.js';

const prices = { 'test-model': { inputPerMillion: 1_000, outputPerMillion: 4_000 } };

let server: LocalServer;
let model: ChatModel;
beforeEach(async () => {
  server = await startLocalServer();
  model = openai({ baseURL: server.url, apiKey: 'sk-test', model: 'test-model', maxRetries: 2 });
});
afterEach(async () => {
  await model.provider.close?.();
  await server.close();
});

describe('budget and progress', () => {
  it('count the same reported usage once, and the budget says which part of its figure is an assumed worst case', async () => {
    // The second request's body is cut off (a 2xx that is not JSON): retried, its usage never known.
    let calls = 0;
    server.handle((exchange) => {
      calls += 1;
      if (calls === 2) return respond.text(200, '{"id":"chatcmpl-cut","choices":[', { 'content-type': 'application/json' })(exchange);
      const text = (exchange.request.body as { messages: Array<{ content: string }> }).messages[0]!.content;
      return respond.json(200, completionBody('ok', { usage: { prompt_tokens: text.length, completion_tokens: 9 } }))(exchange);
    });
    const budget = usageBudget({ maxCost: 1_000, prices });
    const progress = progressTracker();
    const prompts = ['one', 'two, longer', 'three, the longest'];
    const results = await lastValueFrom(
      from(prompts).pipe(chatEach(model, { maxActive: 1, budget, progress, params: { maxTokens: 50 } }), toArray()),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    const snapshot = progress.snapshot();
    const state = budget.state();
    const reported = { inputTokens: snapshot.inputTokens, outputTokens: snapshot.outputTokens };
    // The worst case of the cut-off attempt is counted by the budget, not by progress.
    expect(state.assumedTokens).toBeGreaterThan(50);
    expect(state.spentTokens - state.assumedTokens).toBe(reported.inputTokens + reported.outputTokens);
    expect(state.spentCost - state.assumedCost).toBeCloseTo(costOf('test-model', reported, prices)!, 12);
    expect(state.spentCost - state.assumedCost).toBeCloseTo(summarizeUsage(results, prices).cost!, 12);
  });

  it('agree exactly when every attempt reports its usage', async () => {
    server.handle(respond.json(200, completionBody('ok', { usage: { prompt_tokens: 11, completion_tokens: 9 } })));
    const budget = usageBudget({ maxCost: 1_000, prices });
    const progress = progressTracker();
    const results = await lastValueFrom(from(['a', 'b', 'c', 'd']).pipe(chatEach(model, { budget, progress }), toArray()));
    const snapshot = progress.snapshot();
    const state = budget.state();
    expect(state.assumedTokens).toBe(0);
    expect(state.spentTokens).toBe(snapshot.inputTokens + snapshot.outputTokens);
    expect(state.spentCost).toBeCloseTo(summarizeUsage(results, prices).cost!, 12);
  });
});
