import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { anthropicBody, createMockClient, openaiBody } from './mock-client.js';

const client = createMockClient();
let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => client.close());

describe('mock server rate limits', () => {
  it('answers 429 with retry-after-ms and remaining 0 once rpmLimit is spent in the window', async () => {
    server = await startMockServer({ rpmLimit: 3, windowMs: 60_000 });
    const url = `${server.openaiBaseURL}/chat/completions`;
    const remaining: unknown[] = [];
    for (let index = 0; index < 3; index++) {
      const reply = await client.post(url, openaiBody(`r${index}`));
      expect(reply.status).toBe(200);
      expect(reply.headers['x-ratelimit-limit-requests']).toBe('3');
      remaining.push(reply.headers['x-ratelimit-remaining-requests']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await client.post(url, openaiBody('r3'));
    expect(limited.status).toBe(429);
    expect(limited.headers['x-ratelimit-remaining-requests']).toBe('0');
    const waitMs = Number(limited.headers['retry-after-ms']);
    expect(waitMs).toBeGreaterThan(59_000);
    expect(waitMs).toBeLessThanOrEqual(60_000);
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.headers['x-ratelimit-reset-requests']).toMatch(/^(59\.\d+s|1m0s)$/);
    expect(JSON.parse(limited.text).error).toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining('limit 3') });
    expect(server.stats()).toMatchObject({ requests: 4, delivered: 3, rateLimited: 1, rateLimitedByLimits: 1, responses: { '200': 3, '429': 1 } });
  });

  it('charges input plus answer tokens against tpmLimit', async () => {
    server = await startMockServer({ tpmLimit: 60, windowMs: 1000 });
    const url = `${server.openaiBaseURL}/chat/completions`;
    const first = await client.post(url, openaiBody('abcd'));
    expect(first.headers['x-ratelimit-remaining-tokens']).toBe(String(60 - (3 + 4 + 1) - 16));
    expect(first.headers['x-ratelimit-limit-requests']).toBeUndefined();
    expect((await client.post(url, openaiBody('abcd'))).status).toBe(200);
    const limited = await client.post(url, openaiBody('abcd'));
    expect(limited.status).toBe(429);
    expect(limited.headers['x-ratelimit-remaining-tokens']).toBe('0');
    expect(Number(limited.headers['retry-after-ms'])).toBeGreaterThan(0);
    const small = await client.post(url, openaiBody('abcd', { max_tokens: 1 }));
    expect(small.status).toBe(200);
  });

  it('sends anthropic-ratelimit-* headers and retry-after on Anthropic 429s', async () => {
    server = await startMockServer({ rpmLimit: 1, tpmLimit: 10_000 });
    const url = `${server.anthropicBaseURL}/v1/messages`;
    const ok = await client.post(url, anthropicBody('a'));
    expect(ok.headers).toMatchObject({
      'anthropic-ratelimit-requests-limit': '1',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-tokens-limit': '10000',
    });
    expect(Date.parse(String(ok.headers['anthropic-ratelimit-requests-reset']))).toBeGreaterThan(Date.now());
    const limited = await client.post(url, anthropicBody('b'));
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect(JSON.parse(limited.text)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: expect.any(String) } });
  });

  it('lets a full token bucket burst up to the limit, then answers 429', async () => {
    server = await startMockServer({ rpmLimit: 5, windowMs: 60_000, rateLimitAlgorithm: 'token-bucket' });
    const url = `${server.openaiBaseURL}/chat/completions`;
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, index) => client.post(url, openaiBody(`b${index}`)).then((reply) => reply.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
    expect(server.stats().rateLimitedByLimits).toBe(3);
  });

  it("rateLimitHeaders 'none': a fixed window, 429s with no limit headers, no retry-after and no wait in the body", async () => {
    server = await startMockServer({ rpmLimit: 2, windowMs: 60_000, rateLimitAlgorithm: 'fixed-window', rateLimitHeaders: 'none' });
    const url = `${server.openaiBaseURL}/chat/completions`;
    const replies = [];
    for (let index = 0; index < 3; index++) replies.push(await client.post(url, openaiBody(`n${index}`)));
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 429]);
    for (const reply of replies) {
      expect(Object.keys(reply.headers).filter((name) => /ratelimit|retry-after/.test(name))).toEqual([]);
    }
    expect(replies[2]!.text).not.toMatch(/\d+\s*m?s/);
    expect(server.stats().rateLimitedByLimits).toBe(1);
  });

  it("rateLimitHeaders 'per-day-requests': the request headers count the day, Groq style, while the window limit is enforced", async () => {
    server = await startMockServer({ rpmLimit: 2, tpmLimit: 10_000, rateLimitHeaders: 'per-day-requests', requestsPerDay: 1_000 });
    const url = `${server.openaiBaseURL}/chat/completions`;
    const first = await client.post(url, openaiBody('d0'));
    expect(first.headers).toMatchObject({ 'x-ratelimit-limit-requests': '1000', 'x-ratelimit-remaining-requests': '999', 'x-ratelimit-limit-tokens': '10000' });
    // One request of a 1 000-a-day budget comes back in 86.4 s.
    expect(first.headers['x-ratelimit-reset-requests']).toMatch(/^1m26\.\d+s$/);
    await client.post(url, openaiBody('d1'));
    const limited = await client.post(url, openaiBody('d2'));
    expect(limited.status).toBe(429);
    expect(limited.headers['x-ratelimit-remaining-requests']).toBe('998');
  });

  it('otherTrafficShare: the headers show the budget falling faster than this client spends it', async () => {
    server = await startMockServer({ rpmLimit: 600, windowMs: 1_000, rateLimitAlgorithm: 'token-bucket', otherTrafficShare: 0.5 });
    const url = `${server.openaiBaseURL}/chat/completions`;
    const first = Number((await client.post(url, openaiBody('o0'))).headers['x-ratelimit-remaining-requests']);
    // Let someone else spend for a while (half of 600 a second); this client sends one more request.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = Number((await client.post(url, openaiBody('o1'))).headers['x-ratelimit-remaining-requests']);
    expect(first).toBe(599);
    // The client spent 1; the rest of the fall is the other traffic's (about 60 in 200 ms, at least 100 ms' worth).
    expect(first - second).toBeGreaterThan(30);
  });

  it('limitHeadersPerMinute: a window scaled down to 1 s announces its limits per minute, remaining and reset as they are', async () => {
    // OpenAI's x-ratelimit-limit-* are per minute (RPM, TPM); remaining counts what is left, reset is the time until the
    // budget is back in full (https://platform.openai.com/docs/guides/rate-limits, "Rate limits in headers").
    server = await startMockServer({ rpmLimit: 100, tpmLimit: 10_000, windowMs: 1_000, rateLimitAlgorithm: 'token-bucket', limitHeadersPerMinute: true });
    const reply = await client.post(`${server.openaiBaseURL}/chat/completions`, openaiBody('m0'));
    expect(reply.headers['x-ratelimit-limit-requests']).toBe('6000');
    expect(reply.headers['x-ratelimit-limit-tokens']).toBe('600000');
    expect(reply.headers['x-ratelimit-remaining-requests']).toBe('99');
    const reset = /^(\d+)ms$/.exec(String(reply.headers['x-ratelimit-reset-requests']));
    expect(Number(reset?.[1])).toBeGreaterThan(0);
    expect(Number(reset?.[1])).toBeLessThanOrEqual(10); // one request of 100 a second comes back in 10 ms
    const anthropic = await client.post(`${server.anthropicBaseURL}/v1/messages`, anthropicBody('m1'));
    expect(anthropic.headers['anthropic-ratelimit-requests-limit']).toBe('6000');
  });

  it.each([
    [{ limitHeadersPerMinute: 'yes' }, 'options.limitHeadersPerMinute'],
    [{ rateLimitHeaders: 'some' }, 'options.rateLimitHeaders'],
    [{ otherTrafficShare: 1 }, 'options.otherTrafficShare'],
    [{ requestsPerDay: 0 }, 'options.requestsPerDay'],
    [{ rateLimitAlgorithm: 'leaky' }, 'options.rateLimitAlgorithm'],
  ])('rejects %j naming the field', async (options, field) => {
    await expect(startMockServer(options as never)).rejects.toThrow(field);
  });
});
