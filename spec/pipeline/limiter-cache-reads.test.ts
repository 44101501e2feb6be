import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { anthropic, type ChatModel, chatEach, openai, streamEach } from '../../src/index.js';
import { type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { recordingLimiter } from '../support/test-limiter.js';

// Anthropic: "For most Claude models, only uncached input tokens count towards your ITPM rate limits" — cache reads
// do not, `input_tokens` and cache writes do; models marked with a dagger on docs.anthropic.com/en/api/rate-limits
// (the Claude 3.x generation) count cache reads too — as quoted by hivebook.wiki/wiki/anthropic-api-rate-limits.
// OpenAI counts every prompt token towards TPM.

let server: LocalServer;
const models: ChatModel[] = [];

beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  await Promise.all(models.splice(0).map((model) => model.provider.close?.()));
  await server.close();
});

const claude = (model: string) => {
  const created = anthropic({ model, apiKey: 'sk-ant-test-key-0123456789', baseURL: server.url, maxRetries: 0 });
  models.push(created);
  return created;
};

// MiniMax's documented cache hit through its Anthropic-compatible API (platform.minimax.io/docs/api-reference/anthropic-api-compatible-cache).
const usage = { cache_creation_input_tokens: 0, cache_read_input_tokens: 188086, input_tokens: 21, output_tokens: 393 };
const message = (model: string) => ({ id: 'msg_01', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage });

describe('tpm correction from real usage', () => {
  it('does not count Anthropic cache reads', async () => {
    server.handle(respond.json(200, message('claude-sonnet-4-5')));
    const limiter = recordingLimiter();
    const results = await lastValueFrom(from(['Themes?']).pipe(chatEach(claude('claude-sonnet-4-5'), { limiter }), toArray()));
    expect(results[0]?.ok).toBe(true);
    expect(limiter.log.settled).toEqual([21 + 393]);
  });

  it('counts cache writes', async () => {
    server.handle(respond.json(200, { ...message('claude-sonnet-4-5'), usage: { ...usage, cache_creation_input_tokens: 1000, cache_read_input_tokens: 0 } }));
    const limiter = recordingLimiter();
    await lastValueFrom(from(['Themes?']).pipe(chatEach(claude('claude-sonnet-4-5'), { limiter }), toArray()));
    expect(limiter.log.settled).toEqual([21 + 1000 + 393]);
  });

  it('counts cache reads for the Claude 3.x models whose limits do', async () => {
    server.handle(respond.json(200, message('claude-3-5-haiku-20241022')));
    const limiter = recordingLimiter();
    await lastValueFrom(from(['Themes?']).pipe(chatEach(claude('claude-3-5-haiku-latest'), { limiter }), toArray()));
    expect(limiter.log.settled).toEqual([21 + 188086 + 393]);
  });

  it('does not count Anthropic cache reads in a stream either', async () => {
    const events = [
      { type: 'message_start', message: { id: 'msg_s', type: 'message', role: 'assistant', content: [], model: 'claude-haiku-4-5', usage: { ...usage, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 393 } },
      { type: 'message_stop' },
    ];
    server.handle(respond.sse(events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')));
    const limiter = recordingLimiter();
    const items = await lastValueFrom(from(['Themes?']).pipe(streamEach(claude('claude-haiku-4-5'), { limiter }), toArray()));
    await items[0]!.text;
    expect(limiter.log.settled).toEqual([21 + 393]);
  });

  it('counts OpenAI cached prompt tokens', async () => {
    server.handle(
      respond.json(200, {
        model: 'gpt-4o-mini',
        choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 2006, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 1920 } },
      }),
    );
    const model = openai({ model: 'gpt-4o-mini', baseURL: server.baseURL, apiKey: 'sk-test', maxRetries: 0 });
    models.push(model);
    const limiter = recordingLimiter();
    await lastValueFrom(from(['Hi']).pipe(chatEach(model, { limiter }), toArray()));
    expect(limiter.log.settled).toEqual([2006 + 300]);
  });
});
