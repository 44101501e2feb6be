import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startMockServer } from '../../src/mock-server/index.js';
import { openaiBody } from './mock-client.js';

const agent = new Agent();
afterAll(() => agent.close());

describe('mock server pacing', () => {
  it('spreads stream chunks at tokensPerSecond', async () => {
    const server = await startMockServer({ tokensPerSecond: 200, answerTokens: 8 });
    try {
      const started = performance.now();
      const response = await request(`${server.openaiBaseURL}/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(openaiBody('pace me', { stream: true })),
      });
      const arrivals: number[] = [];
      let text = '';
      for await (const chunk of response.body) {
        arrivals.push(performance.now());
        text += String(chunk);
      }
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(arrivals.length).toBeGreaterThan(1);
      // 8 chunks at 5 ms each: the last is due 35 ms after the first, which is sent after the request.
      expect(arrivals.at(-1)! - started).toBeGreaterThanOrEqual(34);
    } finally {
      await server.close();
    }
  });

  it('waits at least latencyMs before answering', async () => {
    const server = await startMockServer({ latencyMs: [40, 60] });
    try {
      const started = performance.now();
      const response = await request(`${server.openaiBaseURL}/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(openaiBody('slow')),
      });
      await response.body.text();
      expect(performance.now() - started).toBeGreaterThanOrEqual(39);
    } finally {
      await server.close();
    }
  });
});
