import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { anthropic, type ChatMessage, type ChatModel } from '../../../src/index.js';
import { anthropicBlocks, anthropicRefusalMessage, anthropicStructuredRefusalMessage } from '../../fixtures/content-fixtures.js';
import { respond } from '../../support/local-server.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { readFixture } from '../../support/openai-transcripts.js';
import { messageBody, sse } from './anthropic-transcripts.js';

const { server, keep } = useLocalModels();

function model(): ChatModel {
  return keep(anthropic({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: server.url, maxRetries: 0 }));
}

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const PDF = Buffer.from('fake-pdf-content').toString('base64');
const jsonFormat = { type: 'json_schema' as const, name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } } } };

describe('anthropic() content parts', () => {
  it('maps images, documents and cacheControl to blocks, and folds developer messages into system', async () => {
    server.handle(respond.json(200, messageBody('ok')));
    const messages: ChatMessage[] = [
      { role: 'system', content: [{ type: 'text', text: 'Long instructions.', cacheControl: { type: 'ephemeral', ttl: '5m' } }] },
      { role: 'developer', content: 'Answer in French.' },
      {
        role: 'user',
        content: [
          { type: 'image', data: PNG, mediaType: 'image/png' },
          { type: 'image', url: 'https://example.com/cat.jpg' },
          { type: 'document', data: PDF, mediaType: 'application/pdf' },
          { type: 'document', url: 'https://example.com/a.pdf', title: 'A', cacheControl: { type: 'ephemeral' } },
          { type: 'text', text: 'Describe them.' },
        ],
      },
    ];
    await firstValueFrom(model().chat(messages));
    const body = server.requests[0]!.body as Record<string, unknown>;
    expect(body.system).toEqual([anthropicBlocks.cachedSystem('Long instructions.'), { type: 'text', text: 'Answer in French.' }]);
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          anthropicBlocks.image(PNG),
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          anthropicBlocks.document(PDF),
          { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' }, title: 'A', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Describe them.' },
        ],
      },
    ]);
  });

  it('keeps plain string prompts as strings, system and developer joined', async () => {
    server.handle(respond.json(200, messageBody('ok')));
    await firstValueFrom(model().chat([{ role: 'developer', content: 'A.' }, { role: 'system', content: 'B.' }, { role: 'user', content: 'Hi' }]));
    expect(server.requests[0]!.body).toMatchObject({ system: 'A.\n\nB.', messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('merges a string message and a parts message of the same role into one turn of blocks', async () => {
    server.handle(respond.json(200, messageBody('ok')));
    await firstValueFrom(model().chat([{ role: 'user', content: 'First.' }, { role: 'user', content: [{ type: 'image', url: 'https://x/a.png' }] }]));
    expect((server.requests[0]!.body as { messages: unknown }).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'First.' }, { type: 'image', source: { type: 'url', url: 'https://x/a.png' } }] },
    ]);
  });
});

describe('anthropic() refusals', () => {
  it('gives a refused message finishReason "refusal" and its text', async () => {
    server.handle(respond.json(200, anthropicRefusalMessage));
    const response = await firstValueFrom(model().chat('Do something disallowed.'));
    expect(response).toMatchObject({ text: 'I cannot help', finishReason: 'refusal' });
  });

  it('streams a recorded refusal: the text so far, then finishReason "refusal"', async () => {
    server.handle(respond.sse(readFixture('anthropic-stream-refusal.sse'), { splitAt: [5, 900, 3000] }));
    const chunks = await lastValueFrom(model().stream('What is a solar eclipse, claudius?').pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('Hi');
    expect(chunks.at(-1)?.finishReason).toBe('refusal');
  });

  it('answers a refused structured request with the refusal, not a missing tool call', async () => {
    server.handle(respond.json(200, anthropicStructuredRefusalMessage));
    const response = await firstValueFrom(model().chat('Capital of Peru?', { responseFormat: jsonFormat }));
    expect(response).toMatchObject({ text: 'Declined by a policy classifier.', finishReason: 'refusal' });
  });

  it('streams a refused structured request as its refusal text, not a missing tool call', async () => {
    const events = [
      { type: 'message_start', message: { id: 'msg_r', type: 'message', role: 'assistant', content: [], model: 'claude-test', stop_reason: null, usage: { input_tokens: 9, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'I cannot help' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'refusal', stop_sequence: null, stop_details: { type: 'refusal', category: 'cyber', explanation: null } }, usage: { output_tokens: 4 } },
      { type: 'message_stop' },
    ];
    server.handle(respond.sse(sse(events)));
    const chunks = await lastValueFrom(model().stream('Capital of Peru?', { responseFormat: jsonFormat }).pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('I cannot help');
    expect(chunks.at(-1)).toMatchObject({ finishReason: 'refusal', usage: { inputTokens: 9, outputTokens: 4 } });
  });
});
