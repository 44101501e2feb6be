import { Agent, request } from 'undici';
import { describe, expect, it, vi } from 'vitest';
import { startMockServer } from '../../src/mock-server/index.js';
import { openaiBody } from './mock-client.js';

const handles = () => process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap' && name !== 'PipeWrap');
const count = (list: string[], name: string) => list.filter((entry) => entry === name).length;

describe('mock server close()', () => {
  it('destroys open sockets (hanging, slow and streaming requests included) and leaves no handles or timers', async () => {
    const before = handles();
    const agent = new Agent();
    const server = await startMockServer({ tokensPerSecond: 2, answerTokens: 50 });
    const url = `${server.openaiBaseURL}/chat/completions`;
    const send = (headers: Record<string, string>, body = openaiBody('x')) =>
      request(url, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
        .then((response) => response.body.text())
        .catch((error: Error) => error);
    await send({});
    const pending = [send({ 'x-mock-fault': 'hang' }), send({ 'x-mock-latency-ms': '600000' }), send({}, openaiBody('stream', { stream: true }))];
    await vi.waitFor(() => expect(server.stats().inFlight).toBe(3), { timeout: 5000 });
    expect(count(handles(), 'TCPServerWrap')).toBe(count(before, 'TCPServerWrap') + 1);

    await server.close();
    const outcomes = await Promise.all(pending);
    expect(outcomes.every((outcome) => outcome instanceof Error)).toBe(true);
    expect(server.stats()).toMatchObject({ inFlight: 0, openSockets: 0 });
    await agent.close();
    await vi.waitFor(() => {
      const after = handles();
      for (const name of ['TCPServerWrap', 'TCPSocketWrap', 'Timeout']) expect(count(after, name)).toBeLessThanOrEqual(count(before, name));
    });
    await server.close();
  });

  it('rejects a port that is in use with the listen error', async () => {
    const first = await startMockServer();
    try {
      await expect(startMockServer({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });

  it('rejects invalid options with a message naming the field', async () => {
    await expect(startMockServer({ latencyMs: [50, 10] })).rejects.toThrow(/startMockServer\(\) options\.latencyMs: expected \[min, max\]/);
    await expect(startMockServer({ faults: { '503': 0.7, '500': 0.5 } })).rejects.toThrow(/options\.faults: expected the fault rates to add up to at most 1/);
    await expect(startMockServer({ faults: { '999': 0.1 } as never })).rejects.toThrow(/options\.faults/);
    await expect(startMockServer({ rpmLimit: 0 })).rejects.toThrow(/options\.rpmLimit/);
    await expect(startMockServer({ latency: 5 } as never)).rejects.toThrow(/Unrecognized key: "latency"/);
  });
});
