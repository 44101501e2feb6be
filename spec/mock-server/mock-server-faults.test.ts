import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FaultKind, type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { anthropicBody, createMockClient, openaiBody, parseSse } from './mock-client.js';

const client = createMockClient();
let server: MockServer;
let openaiUrl: string;
let anthropicUrl: string;

beforeAll(async () => {
  server = await startMockServer({ answerTokens: 12, endlessBodyMaxBytes: 256 * 1024 });
  openaiUrl = `${server.openaiBaseURL}/chat/completions`;
  anthropicUrl = `${server.anthropicBaseURL}/v1/messages`;
});
afterAll(async () => {
  await client.close();
  await server.close();
});

const fault = (kind: FaultKind | string) => ({ 'x-mock-fault': kind });
const SOCKET_ERRORS = ['UND_ERR_SOCKET', 'ECONNRESET', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'];

describe('mock server faults forced by x-mock-fault', () => {
  it.each(['400', '401', '402', '403', '500', '502', '503', '504', '529'])('%s answers that status with an OpenAI error body', async (kind) => {
    const reply = await client.post(openaiUrl, openaiBody('x'), fault(kind));
    expect(reply.status).toBe(Number(kind));
    expect(reply.headers['x-request-id']).toMatch(/^req_mock/);
    const body = JSON.parse(reply.text);
    expect(body.error).toMatchObject({ message: expect.stringContaining('injected fault'), type: expect.any(String) });
    if (kind === '402') expect(body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
  });

  it.each([
    ['402', 'billing_error'],
    ['429', 'rate_limit_error'],
    ['500', 'api_error'],
    ['503', 'api_error'],
    ['529', 'overloaded_error'],
  ])('%s answers an Anthropic error body of type %s', async (kind, type) => {
    const reply = await client.post(anthropicUrl, anthropicBody('x'), fault(kind));
    expect(reply.status).toBe(Number(kind));
    expect(reply.headers['request-id']).toMatch(/^req_mock/);
    expect(JSON.parse(reply.text)).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
  });

  it('429 sends retry-after-ms and retry-after; 429-no-retry-after sends neither', async () => {
    const withWait = await client.post(openaiUrl, openaiBody('x'), fault('429'));
    expect(withWait.status).toBe(429);
    expect(withWait.headers['retry-after-ms']).toBe('100');
    expect(withWait.headers['retry-after']).toBe('1');
    expect(JSON.parse(withWait.text).error.code).toBe('rate_limit_exceeded');
    const without = await client.post(openaiUrl, openaiBody('x'), fault('429-no-retry-after'));
    expect(without.status).toBe(429);
    expect(without.headers['retry-after-ms']).toBeUndefined();
    expect(without.headers['retry-after']).toBeUndefined();
  });

  it('reset destroys the connection before any response byte', async () => {
    const reply = await client.collect(openaiUrl, openaiBody('x'), fault('reset'));
    expect(reply.status).toBeUndefined();
    expect(SOCKET_ERRORS).toContain(reply.error?.code);
  });

  it('hang never answers; the exchange ends when the client gives up', async () => {
    const before = server.stats();
    const controller = new AbortController();
    const pending = request(openaiUrl, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', ...fault('hang') },
      body: JSON.stringify(openaiBody('x')),
    });
    await vi.waitFor(() => expect(server.stats().faults.hang).toBe((before.faults.hang ?? 0) + 1), { timeout: 5000 });
    expect(server.stats().inFlight).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() => expect(server.stats().aborted).toBe(before.aborted + 1), { timeout: 5000 });
    expect(server.stats().inFlight).toBe(0);
  });

  it('midstream-drop cuts a stream after some content chunks, and a JSON body halfway', async () => {
    const stream = await client.collect(openaiUrl, openaiBody('Drop me', { stream: true }), fault('midstream-drop'));
    expect(stream.status).toBe(200);
    expect(SOCKET_ERRORS).toContain(stream.error?.code);
    const events = parseSse(stream.text);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.length).toBeLessThan(13);
    expect(events.some((event) => event.data === '[DONE]')).toBe(false);
    expect(JSON.parse(events[1]?.data ?? '').choices[0].delta.content).toBe('Re:');

    const json = await client.collect(openaiUrl, openaiBody('Drop me'), fault('midstream-drop'));
    expect(json.status).toBe(200);
    expect(SOCKET_ERRORS).toContain(json.error?.code);
    expect(json.text.startsWith('{"id":"chatcmpl-')).toBe(true);
  });

  it('truncated-body ends a stream cleanly mid-event without [DONE], and a JSON body short of content-length', async () => {
    const stream = await client.collect(openaiUrl, openaiBody('Cut me', { stream: true }), fault('truncated-body'));
    expect(stream.error).toBeUndefined();
    expect(stream.text.endsWith('\n\n')).toBe(false);
    expect(stream.text).not.toContain('[DONE]');

    const anthropic = await client.collect(anthropicUrl, anthropicBody('Cut me', { stream: true }), fault('truncated-body'));
    expect(anthropic.error).toBeUndefined();
    expect(anthropic.text).not.toContain('message_stop');

    const json = await client.collect(openaiUrl, openaiBody('Cut me'), fault('truncated-body'));
    expect(json.status).toBe(200);
    expect(Number(json.headers['content-length'])).toBeGreaterThan(json.text.length);
    expect(SOCKET_ERRORS).toContain(json.error?.code);
  });

  it('malformed-json sends a 200 whose JSON, or first event data, does not parse', async () => {
    const json = await client.post(openaiUrl, openaiBody('x'), fault('malformed-json'));
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe('application/json');
    expect(() => JSON.parse(json.text)).toThrow();
    for (const [url, body] of [[openaiUrl, openaiBody('x', { stream: true })], [anthropicUrl, anthropicBody('x', { stream: true })]] as const) {
      const stream = await client.post(url, body, fault('malformed-json'));
      const events = parseSse(stream.text);
      expect(events).toHaveLength(1);
      expect(() => JSON.parse(events[0]?.data ?? '')).toThrow();
    }
  });

  it('malformed-sse sends an event-stream body with no valid event', async () => {
    const reply = await client.post(openaiUrl, openaiBody('x', { stream: true }), fault('malformed-sse'));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(reply.text.length).toBeGreaterThan(0);
    expect(parseSse(reply.text)).toEqual([]);
  });

  it('wrong-content-type sends a 200 HTML page; html-error a 502 HTML page', async () => {
    const wrong = await client.post(openaiUrl, openaiBody('x'), fault('wrong-content-type'));
    expect(wrong.status).toBe(200);
    expect(wrong.headers['content-type']).toMatch(/^text\/html/);
    expect(wrong.text).toContain('<html>');
    const html = await client.post(anthropicUrl, anthropicBody('x'), fault('html-error'));
    expect(html.status).toBe(502);
    expect(html.headers['content-type']).toBe('text/html');
    expect(html.text).toContain('502 Bad Gateway');
  });

  it('endless-body writes until its byte cap, then drops the connection', async () => {
    for (const body of [openaiBody('x'), openaiBody('x', { stream: true })]) {
      const reply = await client.collect(openaiUrl, body, fault('endless-body'));
      expect(reply.status).toBe(200);
      expect(SOCKET_ERRORS).toContain(reply.error?.code);
      expect(reply.text.length).toBeGreaterThanOrEqual(256 * 1024);
      expect(reply.text.length).toBeLessThan(512 * 1024);
    }
  });

  it('endless-body stops writing as soon as the client disconnects', async () => {
    const endless = await startMockServer();
    try {
      const response = await request(`${endless.openaiBaseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...fault('endless-body') },
        body: JSON.stringify(openaiBody('x')),
      });
      for await (const chunk of response.body) {
        expect((chunk as Buffer).length).toBeGreaterThan(0);
        break;
      }
      await vi.waitFor(() => expect(endless.stats()).toMatchObject({ aborted: 1, inFlight: 0, openSockets: 0 }), { timeout: 5000 });
    } finally {
      await endless.close();
    }
  });

  it('counts faults by kind and never as deliveries; x-mock-fault none forces success; unknown kinds are 400', async () => {
    const failing = await startMockServer({ faults: { '500': 1 } });
    try {
      const url = `${failing.openaiBaseURL}/chat/completions`;
      expect((await client.post(url, openaiBody('a'))).status).toBe(500);
      expect((await client.post(url, openaiBody('a'), fault('none'))).status).toBe(200);
      const unknown = await client.post(url, openaiBody('a'), fault('explode'));
      expect(unknown.status).toBe(400);
      expect(JSON.parse(unknown.text).error.message).toMatch(/^x-mock-fault: unknown fault "explode"/);
      const stats = failing.stats();
      expect(stats.faults).toEqual({ '500': 1 });
      expect(stats.delivered).toBe(1);
      expect(stats.responses).toEqual({ '200': 1, '400': 1, '500': 1 });
    } finally {
      await failing.close();
    }
  });
});

describe('mock server seeded random faults', () => {
  async function statusSequence(seed: number, count: number): Promise<Array<number | string>> {
    const seeded = await startMockServer({ seed, faults: { '503': 0.3, '429': 0.1, reset: 0.1 } });
    try {
      const statuses: Array<number | string> = [];
      for (let index = 0; index < count; index++) {
        const reply = await client.collect(`${seeded.openaiBaseURL}/chat/completions`, openaiBody(`p${index}`));
        statuses.push(reply.status ?? 'reset');
      }
      return statuses;
    } finally {
      await seeded.close();
    }
  }

  it('injects each fault at roughly its rate over a few hundred requests', async () => {
    const seeded = await startMockServer({ seed: 3, faults: { '503': 0.2, '429': 0.1, reset: 0.05 } });
    try {
      const url = `${seeded.openaiBaseURL}/chat/completions`;
      const outcomes = new Map<number | string, number>();
      for (let batch = 0; batch < 6; batch++) {
        const replies = await Promise.all(Array.from({ length: 50 }, (_, index) => client.collect(url, openaiBody(`q${batch}-${index}`))));
        for (const reply of replies) outcomes.set(reply.status ?? 'reset', (outcomes.get(reply.status ?? 'reset') ?? 0) + 1);
      }
      // Expected 60, 30 and 15 of 300; the bounds are about four standard deviations wide.
      expect(outcomes.get(503)).toBeGreaterThanOrEqual(35);
      expect(outcomes.get(503)).toBeLessThanOrEqual(90);
      expect(outcomes.get(429)).toBeGreaterThanOrEqual(14);
      expect(outcomes.get(429)).toBeLessThanOrEqual(50);
      expect(outcomes.get('reset')).toBeGreaterThanOrEqual(4);
      expect(outcomes.get('reset')).toBeLessThanOrEqual(30);
      const stats = seeded.stats();
      expect(stats.requests).toBe(300);
      expect(stats.faults).toEqual({ '503': outcomes.get(503), '429': outcomes.get(429), reset: outcomes.get('reset') });
      expect(stats.delivered).toBe(outcomes.get(200));
    } finally {
      await seeded.close();
    }
  });

  it('repeats the same fault sequence for the same seed, and another for another seed', async () => {
    const first = await statusSequence(11, 30);
    expect(await statusSequence(11, 30)).toEqual(first);
    expect(await statusSequence(12, 30)).not.toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });
});
