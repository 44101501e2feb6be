import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { anthropic, type ChatModel } from '../../../src/index.js';
import { respond } from '../../support/local-server.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { sse } from './anthropic-transcripts.js';

const { server, keep } = useLocalModels();
let model: ChatModel;
beforeEach(() => {
  model = keep(anthropic({ model: 'claude-test', apiKey: 'sk-ant-test-key-0123456789', baseURL: server.url, maxRetries: 0 }));
});

// Anthropic's `input_tokens` counts only the tokens after the last cache breakpoint; cache reads and writes are
// reported beside it (platform.claude.com/docs/en/build-with-claude/prompt-caching, "Tracking cache performance":
// total input tokens = cache_read_input_tokens + cache_creation_input_tokens + input_tokens).

// The usage of MiniMax's documented second call through its Anthropic-compatible API (a cache hit of a whole novel;
// platform.minimax.io/docs/api-reference/anthropic-api-compatible-cache).
const cacheReadUsage = { cache_creation_input_tokens: 0, cache_read_input_tokens: 188086, input_tokens: 21, output_tokens: 393 };
// The same page's first call, which wrote the cache.
const cacheWriteUsage = { cache_creation_input_tokens: 188086, cache_read_input_tokens: 0, input_tokens: 21, output_tokens: 393 };

const message = (usage: Record<string, unknown>) => ({
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'Pride.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage,
});

describe('Anthropic usage details', () => {
  it('counts a cache read in inputTokens and reports it as cachedInputTokens', async () => {
    server.handle(respond.json(200, message(cacheReadUsage)));
    expect((await firstValueFrom(model.chat('Themes?'))).usage).toEqual({
      inputTokens: 21 + 188086,
      outputTokens: 393,
      cachedInputTokens: 188086,
      cacheWriteInputTokens: 0,
    });
  });

  it('counts a cache write in inputTokens and reports it as cacheWriteInputTokens', async () => {
    server.handle(respond.json(200, message(cacheWriteUsage)));
    expect((await firstValueFrom(model.chat('Themes?'))).usage).toEqual({
      inputTokens: 21 + 188086,
      outputTokens: 393,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 188086,
    });
  });

  it('reads thinking tokens from output_tokens_details as reasoningTokens', async () => {
    // anthropics/anthropic-sdk-typescript tests/fixtures/fable-fallback/stream-b-fallback.sse reports
    // `output_tokens_details: { thinking_tokens }` beside `output_tokens`; figures from stream-a-refusal.sse there.
    server.handle(respond.json(200, message({ input_tokens: 28, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 106, output_tokens_details: { thinking_tokens: 67 } })));
    expect((await firstValueFrom(model.chat('Hi'))).usage).toEqual({
      inputTokens: 28,
      outputTokens: 106,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
      reasoningTokens: 67,
    });
  });

  it('leaves the details out when a compatible server reports no cache fields', async () => {
    server.handle(respond.json(200, message({ input_tokens: 9, output_tokens: 2 })));
    expect((await firstValueFrom(model.chat('Hi'))).usage).toEqual({ inputTokens: 9, outputTokens: 2 });
  });

  it('streams: message_delta usage overrides message_start field by field', async () => {
    // The events of anthropics/anthropic-sdk-typescript tests/api-resources/MessageStream.test.ts, "applies every
    // message_delta field onto the accumulated message": start 10 / 2 written / 3 read, delta 42 / 7 / 8, 99 out, 30 thinking.
    server.handle(
      respond.sse(
        sse([{
          type: 'message_start',
          message: {
            id: 'msg_delta_01', type: 'message', role: 'assistant', content: [], model: 'claude-opus-4-8', stop_reason: null, stop_sequence: null,
            usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 2, cache_read_input_tokens: 3, service_tier: 'standard' },
          },
        },
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Done.' } },
          { type: 'content_block_stop', index: 0 },
          {
            type: 'message_delta',
            delta: { stop_reason: 'end_turn', stop_sequence: null },
            usage: { input_tokens: 42, output_tokens: 99, cache_creation_input_tokens: 7, cache_read_input_tokens: 8, output_tokens_details: { thinking_tokens: 30 } },
          },
          { type: 'message_stop' }]),
      ),
    );
    const chunks = await lastValueFrom(model.stream('Run some code.').pipe(toArray()));
    expect(chunks.at(-1)?.usage).toEqual({ inputTokens: 42 + 7 + 8, outputTokens: 99, cachedInputTokens: 8, cacheWriteInputTokens: 7, reasoningTokens: 30 });
  });

  it('streams: keeps message_start usage when message_delta sends only output_tokens', async () => {
    // The same file's "keeps message_start usage when message_delta omits the optional keys".
    server.handle(
      respond.sse(
        sse([{
          type: 'message_start',
          message: {
            id: 'msg_delta_02', type: 'message', role: 'assistant', content: [], model: 'claude-opus-4-8', stop_reason: null, stop_sequence: null,
            usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 2, cache_read_input_tokens: 3, service_tier: 'standard' },
          },
        },
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi.' } },
          { type: 'content_block_stop', index: 0 },
          { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } },
          { type: 'message_stop' }]),
      ),
    );
    const chunks = await lastValueFrom(model.stream('Say hi.').pipe(toArray()));
    expect(chunks.at(-1)?.usage).toEqual({ inputTokens: 15, outputTokens: 12, cachedInputTokens: 3, cacheWriteInputTokens: 2 });
  });
});
