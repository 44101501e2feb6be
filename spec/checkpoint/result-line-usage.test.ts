import { describe, expect, it } from 'vitest';
import { okResultLine } from '../../src/checkpoint/format-result-line.js';
import type { ChatResponse } from '../../src/types.js';

describe('result line usage', () => {
  it('records the cached, cache-write and reasoning parts of the usage', () => {
    const usage = { inputTokens: 30_010, outputTokens: 500, cachedInputTokens: 30_000, cacheWriteInputTokens: 0, reasoningTokens: 120 };
    const response: ChatResponse = { text: 'ok', finishReason: 'end_turn', usage, model: 'claude-haiku-4-5', raw: {} };
    const line = okResultLine({ id: 'q1', index: 0, model: 'claude-haiku-4-5', attempts: 1, latencyMs: 5, queuedMs: 0 }, response);
    expect(line.usage).toEqual(usage);
  });

  it('leaves out the parts the provider did not report', () => {
    const response: ChatResponse = { text: 'ok', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 1 }, model: 'm', raw: {} };
    expect(okResultLine({ id: 'q1', index: 0, model: 'm', attempts: 1, latencyMs: 5, queuedMs: 0 }, response).usage).toEqual({ inputTokens: 3, outputTokens: 1 });
  });
});
