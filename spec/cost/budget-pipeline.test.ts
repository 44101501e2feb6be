import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { anthropic, BudgetExceededError, type ChatModel, costOf, usageBudget, openai } from '../../src/index.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { type Handler, type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { completionBody } from '../support/openai-transcripts.js';
import { messageBody, textStream } from '../providers/anthropic/anthropic-transcripts.js';

let server: LocalServer;
const models: ChatModel[] = [];
/** Tokens the server reported as used, i.e. what the provider would bill. */
let served: { inputTokens: number; outputTokens: number };

beforeEach(async () => {
  server = await startLocalServer();
  served = { inputTokens: 0, outputTokens: 0 };
});
afterEach(async () => {
  await Promise.all(models.splice(0).map((model) => model.provider.close?.()));
  await server.close();
});

/** Answers with the whole `max_tokens` allowance used (the worst case), after a short pause so requests overlap. */
function worstCaseServer(protocol: 'openai' | 'anthropic'): Handler {
  return respond.delay(5, (exchange) => {
    const body = exchange.request.body as { max_tokens: number };
    const usage = { inputTokens: 6, outputTokens: body.max_tokens };
    served.inputTokens += usage.inputTokens;
    served.outputTokens += usage.outputTokens;
    const answer =
      protocol === 'openai'
        ? completionBody('ok', { usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens } })
        : messageBody('ok', { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });
    return respond.json(200, answer)(exchange);
  });
}

const prompts = Array.from({ length: 20 }, (_, index) => `Prompt ${index}`);

describe('budgets in pipelines', () => {
  it('parallelChat never lets the tokens served exceed maxTotalTokens; unsent prompts are null', async () => {
    server.handle(worstCaseServer('openai'));
    const model = openai({ model: 'local', baseURL: server.baseURL, apiKey: '', params: { maxTokens: 50 } });
    models.push(model);
    const budget = usageBudget({ maxTotalTokens: 500 });
    const results = await parallelChat(model, prompts, { maxActive: 5, rpm: Infinity, budget });
    const total = served.inputTokens + served.outputTokens;
    expect(total).toBeLessThanOrEqual(500);
    const answered = results.filter((result) => result !== null && !(result instanceof Error));
    expect(answered.length).toBe(server.requestCount);
    // each worst case reserves 3 + 4 + 2 = 9 input + 50 output = 59 tokens: 8 of them fit in 500
    expect(server.requestCount).toBe(8);
    expect(results.slice(server.requestCount).every((result) => result === null)).toBe(true);
    expect(budget.state()).toMatchObject({ spentTokens: total, outstanding: 0, exhausted: true });
  });

  it('chatEach gives every unsent prompt a BudgetExceededError result and keeps the cost under maxCost', async () => {
    server.handle(worstCaseServer('anthropic'));
    const model = anthropic({ model: 'claude-haiku-4-5', baseURL: server.url, apiKey: '', maxTokens: 100 });
    models.push(model);
    const maxCost = 0.002; // each worst case: ~9 input + 100 output tokens at $1 / $5 per million ≈ $0.000509
    const budget = usageBudget({ maxCost });
    const results = await lastValueFrom(from(prompts).pipe(chatEach(model, { maxActive: 4, rpm: Infinity, budget }), toArray()));
    const servedCost = costOf('claude-haiku-4-5', served)!;
    expect(servedCost).toBeLessThanOrEqual(maxCost);
    expect(server.requestCount).toBe(3);
    expect(results).toHaveLength(20);
    const refused = results.filter((result) => !result.ok);
    expect(refused).toHaveLength(17);
    for (const result of refused) {
      expect(!result.ok && result.error).toBeInstanceOf(BudgetExceededError);
      expect(result.attempts).toBe(0);
    }
    expect(budget.state().spentCost).toBeCloseTo(servedCost, 12);
  });

  it('sends everything when the budget suffices, settling real usage so later prompts fit', async () => {
    server.handle(
      respond.delay(2, (exchange) => {
        served.inputTokens += 5;
        served.outputTokens += 3; // far below the 50 reserved
        return respond.json(200, completionBody('ok', { usage: { prompt_tokens: 5, completion_tokens: 3 } }))(exchange);
      }),
    );
    const model = openai({ model: 'local', baseURL: server.baseURL, apiKey: '', params: { maxTokens: 50 } });
    models.push(model);
    // 20 worst cases would need 1180 tokens, but each really spends 8: reservations settle and free room
    const budget = usageBudget({ maxTotalTokens: 300 });
    const results = await parallelChat(model, prompts, { maxActive: 3, rpm: Infinity, budget });
    expect(results.every((result) => result !== null && !(result instanceof Error))).toBe(true);
    expect(served.inputTokens + served.outputTokens).toBe(160);
    expect(budget.state()).toMatchObject({ spentTokens: 160, outstanding: 0, exhausted: false });
  });

  it('streamEach reserves per stream and settles from the final chunk; refused prompts start no stream', async () => {
    server.handle(
      respond.delay(5, (exchange) => {
        const body = exchange.request.body as { max_tokens: number };
        served.inputTokens += 6;
        served.outputTokens += body.max_tokens;
        return respond.sse(textStream(['o', 'k'], { inputTokens: 6, outputTokens: body.max_tokens }))(exchange);
      }),
    );
    const model = anthropic({ model: 'claude-haiku-4-5', baseURL: server.url, apiKey: '', maxTokens: 40 });
    models.push(model);
    const budget = usageBudget({ maxTotalTokens: 200 });
    const texts = await lastValueFrom(
      from(prompts).pipe(
        streamEach(model, { maxActive: 2, rpm: Infinity, budget }),
        mergeMap((item) => item.text),
        toArray(),
      ),
    );
    expect(served.inputTokens + served.outputTokens).toBeLessThanOrEqual(200);
    // each worst case is 9 + 40 = 49 tokens and really spends 46: four fit in 200
    expect(server.requestCount).toBe(4);
    expect(texts).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(budget.state()).toMatchObject({ spentTokens: 184, outstanding: 0, exhausted: true });
  });
});
