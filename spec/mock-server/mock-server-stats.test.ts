import { request } from 'undici';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { createMockClient, openaiBody } from './mock-client.js';

const client = createMockClient();
let server: MockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => client.close());

describe('mock server stats', () => {
  it('tracks inFlight and maxInFlight across concurrent requests', async () => {
    server = await startMockServer();
    const url = `${server.openaiBaseURL}/chat/completions`;
    const controller = new AbortController();
    const hanging = Array.from({ length: 5 }, (_, index) =>
      request(url, {
        method: 'POST',
        signal: controller.signal,
        headers: { 'content-type': 'application/json', 'x-mock-fault': 'hang' },
        body: JSON.stringify(openaiBody(`hold ${index}`)),
      }).catch(() => 'aborted'),
    );
    const live = server;
    await vi.waitFor(() => expect(live.stats().inFlight).toBe(5), { timeout: 5000 });
    expect(live.stats()).toMatchObject({ requests: 5, inFlight: 5, maxInFlight: 5, completed: 0 });
    controller.abort();
    expect(await Promise.all(hanging)).toEqual(Array(5).fill('aborted'));
    await vi.waitFor(() => expect(live.stats().inFlight).toBe(0), { timeout: 5000 });
    await client.post(url, openaiBody('after'));
    expect(live.stats()).toMatchObject({ requests: 6, completed: 6, inFlight: 0, maxInFlight: 5, aborted: 5, delivered: 1 });
  });

  it('counts deliveries per prompt key (or x-mock-key), duplicates, statuses and tokens', async () => {
    server = await startMockServer();
    const url = `${server.openaiBaseURL}/chat/completions`;
    await client.post(url, openaiBody('alpha'));
    await client.post(url, openaiBody('beta'));
    await client.post(url, openaiBody('alpha'));
    await client.post(url, openaiBody('gamma'), { 'x-mock-key': 'id-7' });
    await client.post(url, openaiBody('delta'), { 'x-mock-key': 'id-7' });
    await client.post(url, openaiBody('beta'), { 'x-mock-fault': '503' });
    const stats = server.stats({ deliveries: true });
    expect(stats).toMatchObject({
      requests: 6,
      completed: 6,
      delivered: 5,
      deliveredKeys: 3,
      duplicates: 2,
      duplicateKeys: ['alpha', 'id-7'],
      deliveries: { alpha: 2, beta: 1, 'id-7': 2 },
      responses: { '200': 5, '503': 1 },
      faults: { '503': 1 },
      outputTokens: 5 * 16,
    });
    expect(stats.inputTokens).toBe(4 * (3 + 4 + 2) + (3 + 4 + 1)); // 'beta' is one token, the others two
    expect(server.deliveriesOf('alpha')).toBe(2);
    expect(server.stats().deliveries).toBeUndefined();
  });

  it('serves GET /stats (with ?deliveries=1) and POST /stats/reset, which are not counted as requests', async () => {
    server = await startMockServer();
    await client.post(`${server.openaiBaseURL}/chat/completions`, openaiBody('one'));
    const stats = JSON.parse((await client.get(`${server.url}/stats`)).text);
    expect(stats).toMatchObject({ requests: 1, delivered: 1 });
    expect(stats.openSockets).toBeGreaterThanOrEqual(1);
    expect(stats.connections).toBe(stats.openSockets);
    expect(stats.deliveries).toBeUndefined();
    expect(JSON.parse((await client.get(`${server.url}/stats?deliveries=1`)).text).deliveries).toEqual({ one: 1 });
    expect((await client.post(`${server.url}/stats/reset`, {})).status).toBe(200);
    expect(server.stats()).toMatchObject({ requests: 0, completed: 0, delivered: 0, deliveredKeys: 0, responses: {} });
    await client.post(`${server.openaiBaseURL}/chat/completions`, openaiBody('one'));
    expect(server.stats().duplicates).toBe(0);
    server.resetStats();
    expect(server.stats().requests).toBe(0);
  });

  it('keeps only totals when trackDeliveries is off', async () => {
    server = await startMockServer({ trackDeliveries: false });
    const url = `${server.openaiBaseURL}/chat/completions`;
    await client.post(url, openaiBody('same'));
    await client.post(url, openaiBody('same'));
    expect(server.stats({ deliveries: true })).toMatchObject({ delivered: 2, deliveredKeys: 0, duplicates: 0, deliveries: {} });
  });

  it('counts a stream as delivered only when it reaches its last event', async () => {
    server = await startMockServer();
    const url = `${server.openaiBaseURL}/chat/completions`;
    await client.post(url, openaiBody('s', { stream: true }));
    await client.collect(url, openaiBody('t', { stream: true }), { 'x-mock-fault': 'midstream-drop' });
    expect(server.stats({ deliveries: true })).toMatchObject({ delivered: 1, deliveries: { s: 1 }, responses: { '200': 2 } });
  });
});
