import { afterEach, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors/llm-error.js';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';

let server: MockServer | undefined;
let model: ChatModel | undefined;
afterEach(async () => {
  await model?.provider.close?.().catch(() => undefined);
  await server?.close();
  server = undefined;
  model = undefined;
});

const prompts = (count: number) => Array.from({ length: count }, (_, index) => `prompt ${index}`);

describe("'auto' limits end to end, against the mock server", () => {
  it('learns the pace from the headers of a budget shared with other traffic, and keeps under the announced limit', async () => {
    // 6 000 requests a minute, 30 % of it spent by someone else on the same key (a token bucket, as real APIs count).
    server = await startMockServer({ rpmLimit: 6_000, windowMs: 60_000, rateLimitAlgorithm: 'token-bucket', otherTrafficShare: 0.3 });
    model = openai({ model: 'mock-model', baseURL: server.openaiBaseURL, apiKey: 'test-key-123456' });
    const limiter = rateLimiter({ rpm: 'auto' });
    const results = await parallelChat(model, prompts(40), { limiter, maxActive: 4 });
    expect(results.filter((result) => result === null || isLlmError(result)).map(String)).toEqual([]);
    const limits = limiter.limitsInForce!();
    expect(limits.rpm.source).toBe('headers');
    expect(limits.rpm.value).toBeLessThanOrEqual(6_000);
    expect(server.stats().rateLimitedByLimits).toBe(0);
  }, 60_000);

  it('adapts to a headerless fixed window from its 429s alone, near its limit (bench scenario 8 in small)', async () => {
    // A gateway's window: 50 requests per 1 s, no rate-limit headers, no retry-after. Before the fix the pace fell to
    // the first window's 50 successes read as 50 a minute, and 250 prompts took minutes; the ceiling here is 60 s.
    server = await startMockServer({ rpmLimit: 50, windowMs: 1_000, rateLimitAlgorithm: 'fixed-window', rateLimitHeaders: 'none' });
    model = openai({ model: 'mock-model', baseURL: server.openaiBaseURL, apiKey: 'test-key-123456' });
    const limiter = rateLimiter({ rpm: 'auto' });
    const results = await parallelChat(model, prompts(250), { limiter, maxActive: 16 });
    expect(results.filter((result) => result === null || isLlmError(result)).map(String)).toEqual([]);
    const stats = server.stats();
    expect(stats.delivered).toBe(250);
    expect(stats.duplicates).toBe(0);
    // The refusals are the first windows' probing (16 in flight at once meet a spent window), not a steady share.
    expect(stats.rateLimited).toBeLessThan(100);
    const { rpm } = limiter.limitsInForce!();
    expect(rpm.source).toBe('adapted');
    // Near the window's 3,000 a minute (the bug left it at 50), never far above it.
    expect(rpm.value).toBeGreaterThan(1_500);
    expect(rpm.value).toBeLessThan(3_600);
  }, 60_000);

  it("does not take Groq's per-day request count for a per-minute budget", async () => {
    server = await startMockServer({ rateLimitHeaders: 'per-day-requests', requestsPerDay: 14_400, tpmLimit: 1_000_000 });
    const perDay = rateLimiter({ rpm: 'auto' });
    model = openai({ model: 'mock-model', baseURL: server.openaiBaseURL, apiKey: 'test-key-123456', requestLimitWindow: 'day' });
    const results = await parallelChat(model, prompts(3), { limiter: perDay, maxActive: 1 });
    expect(results.filter((result) => result === null || isLlmError(result)).map(String)).toEqual([]);
    // Nothing per minute is announced for requests: the pace is still probing, not 14 400 / reset.
    expect(perDay.limitsInForce!().rpm.source).toBe('adapted');
    // The same answers read as per-minute figures would set the pace from the headers.
    const perMinute = rateLimiter({ rpm: 'auto' });
    const unlabelled = openai({ model: 'mock-model', baseURL: server.openaiBaseURL, apiKey: 'test-key-123456' });
    await parallelChat(unlabelled, prompts(1), { limiter: perMinute });
    await unlabelled.provider.close?.();
    expect(perMinute.limitsInForce!().rpm.source).toBe('headers');
  }, 60_000);
});
