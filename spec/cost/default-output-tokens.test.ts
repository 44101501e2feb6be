import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Budget, type BudgetReservation, usageBudget } from '../../src/cost/usage-budget.js';
import { estimateCost } from '../../src/cost/estimate-cost.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { estimateInputTokens } from '../../src/model/estimate-tokens.js';
import { DEFAULT_OUTPUT_TOKENS } from '../../src/model/worst-case-usage.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { completionBody } from '../support/openai-transcripts.js';
import { recordingLimiter } from '../support/test-limiter.js';
import { messageBody } from '../providers/anthropic/anthropic-transcripts.js';

let server: LocalServer;
let model: ChatModel | undefined;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await model?.provider.close?.();
  await server.close();
});

/** A budget that records the output tokens of every reservation it grants. */
function recordingBudget(): { budget: Budget; reservedOutput: number[] } {
  const inner = usageBudget({ maxTotalTokens: 1_000_000 });
  const reservedOutput: number[] = [];
  const budget: Budget = Object.create(inner) as Budget;
  Object.assign(budget, {
    reserve: (modelId: string, request: Parameters<Budget['reserve']>[1]): BudgetReservation | undefined => {
      const granted = inner.reserve(modelId, request);
      if (granted !== undefined) reservedOutput.push(granted.usage.outputTokens);
      return granted;
    },
  });
  return { budget, reservedOutput };
}

const messages = [{ role: 'user' as const, content: 'hi' }];

async function reservedBy(chosen: ChatModel, options: { defaultOutputTokens?: number } = {}) {
  model = chosen;
  const limiter = recordingLimiter();
  const { budget, reservedOutput } = recordingBudget();
  await lastValueFrom(from(['hi']).pipe(chatEach(chosen, { limiter, budget, ...options }), toArray()));
  const limiterOutput = limiter.log.acquired.map((cost) => cost.tokens - estimateInputTokens(messages));
  return { limiterOutput, budgetOutput: reservedOutput, estimateOutput: estimateCost(chosen, ['hi'], undefined, options).maxOutputTokens };
}

describe('one output-token allowance for limiter, budget and estimate', () => {
  it('is 1024 by default', () => {
    expect(DEFAULT_OUTPUT_TOKENS).toBe(1024);
  });

  it('reserves the same for an OpenAI-compatible prompt without maxTokens: DEFAULT_OUTPUT_TOKENS', async () => {
    server.handle(respond.json(200, completionBody('ok')));
    const reserved = await reservedBy(openai({ model: 'local', baseURL: server.baseURL, apiKey: '' }));
    expect(reserved).toEqual({ limiterOutput: [DEFAULT_OUTPUT_TOKENS], budgetOutput: [DEFAULT_OUTPUT_TOKENS], estimateOutput: DEFAULT_OUTPUT_TOKENS });
  });

  it('reserves the same when the pipeline sets defaultOutputTokens', async () => {
    server.handle(respond.json(200, completionBody('ok')));
    const reserved = await reservedBy(openai({ model: 'local', baseURL: server.baseURL, apiKey: '' }), { defaultOutputTokens: 300 });
    expect(reserved).toEqual({ limiterOutput: [300], budgetOutput: [300], estimateOutput: 300 });
  });

  it('reserves the same for an Anthropic prompt: the max_tokens the adapter sends', async () => {
    server.handle(respond.json(200, messageBody('ok', { inputTokens: 3, outputTokens: 1 })));
    const reserved = await reservedBy(anthropic({ model: 'claude-haiku-4-5', baseURL: server.url, apiKey: '' }));
    const sent = (server.requests[0]!.body as { max_tokens: number }).max_tokens;
    expect(sent).toBe(4096);
    expect(reserved).toEqual({ limiterOutput: [sent], budgetOutput: [sent], estimateOutput: sent });
  });
});
