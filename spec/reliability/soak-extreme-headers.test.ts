import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { rateLimiter } from '../../src/rate-limiter/rate-limiter.js';
import { completionBody, streamTranscript } from '../support/openai-transcripts.js';
import { type Handler, type LocalServer, startLocalServer } from '../support/local-server.js';

// Issue 17, item 2: a 200's rate-limit headers asking for a day, a million hours or until year 9999 used to pause
// the shared limiter for that long. Waits above maxRetryAfterMs are not endured: a batch that froze would time out.
let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());

const HOUR_S = 3_600;
/** Extreme headers seen or imagined on successful answers; names as OpenAI and Anthropic send them. */
const EXTREMES: Record<string, Record<string, string>> = {
  'retry-after: 86400': { 'retry-after': '86400' },
  'x-ratelimit-remaining-requests: 0, reset 24h': { 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '24h' },
  'x-ratelimit-remaining-tokens: 0, reset 1,000,000h': { 'x-ratelimit-limit-tokens': '1000', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': `${1_000_000 * HOUR_S}s` },
  'anthropic-ratelimit-requests-remaining: 0, reset in year 9999': {
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': '0',
    'anthropic-ratelimit-requests-reset': '9999-12-31T23:59:59Z',
  },
};

function answering(headers: Record<string, string>, stream: boolean): Handler {
  return ({ res, req }) => {
    const anthropicWire = req.url?.includes('/v1/messages') === true;
    const body = anthropicWire
      ? JSON.stringify({ id: 'msg', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } })
      : stream
        ? streamTranscript(['o', 'k'])
        : JSON.stringify(completionBody('ok'));
    res.writeHead(200, { ...headers, 'content-type': stream && !anthropicWire ? 'text/event-stream' : 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
}

describe('soak: extreme rate-limit headers on 200s never freeze a batch', () => {
  for (const [name, headers] of Object.entries(EXTREMES)) {
    it(`${name}: 30 prompts through three pipelines in turn, sharing one limiter, all finish (openai chat and stream, anthropic chat)`, async () => {
      const limiter = rateLimiter({ rpm: 1_000_000 });
      const retry = { maxRetries: 0, maxRetryAfterMs: 1_000 };
      const prompts = Array.from({ length: 10 }, (_, i) => `prompt ${i}`);
      const chatModel = openai({ model: 'm', baseURL: server.baseURL, apiKey: '' });
      const claude = anthropic({ model: 'm', baseURL: server.url, apiKey: '' });
      try {
        server.handle(answering(headers, false));
        const chats = await lastValueFrom(from(prompts).pipe(chatEach(chatModel, { limiter, retry, maxActive: 2 }), toArray()));
        expect(chats.every((result) => result.ok)).toBe(true);
        const claudes = await lastValueFrom(from(prompts).pipe(chatEach(claude, { limiter, retry, maxActive: 2 }), toArray()));
        expect(claudes.every((result) => result.ok)).toBe(true);
        server.handle(answering(headers, true));
        const texts = await lastValueFrom(from(prompts).pipe(streamEach(chatModel, { limiter, retry, maxActive: 2 }), mergeMap((item) => item.text), toArray()));
        expect(texts).toEqual(prompts.map(() => 'ok'));
      } finally {
        await chatModel.provider.close?.();
        await claude.provider.close?.();
      }
    }, 20_000);
  }
});
