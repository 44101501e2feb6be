import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type ChatMessage, type ChatModel, InvalidOptionsError, openai } from '../../../src/index.js';
import { openaiImageRequestMessages, openaiRefusalCompletion } from '../../fixtures/content-fixtures.js';
import { respond } from '../../support/local-server.js';
import { useLocalModels } from '../../support/use-local-models.js';
import { completionBody, readFixture, streamTranscript } from '../../support/openai-transcripts.js';
import { errorOf } from '../../support/settle.js';

const { server, keep } = useLocalModels();

function model(): ChatModel {
  return keep(openai({ model: 'gpt-test', apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 }));
}

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('openai() content parts', () => {
  it('sends text and image-URL parts as the reference example does', async () => {
    server.handle(respond.json(200, completionBody('A boardwalk.')));
    const url = openaiImageRequestMessages[0]!.content[1]!.image_url!.url;
    await firstValueFrom(model().chat([{ role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image', url }] }]));
    expect((server.requests[0]!.body as { messages: unknown }).messages).toEqual(openaiImageRequestMessages);
  });

  it('sends base64 images as data URLs with their detail, and the developer role as is', async () => {
    server.handle(respond.json(200, completionBody('A dot.')));
    const messages: ChatMessage[] = [
      { role: 'developer', content: 'Label images.' },
      { role: 'user', content: [{ type: 'image', data: PNG, mediaType: 'image/png', detail: 'low', width: 1, height: 1 }] },
    ];
    await firstValueFrom(model().chat(messages));
    expect((server.requests[0]!.body as { messages: unknown }).messages).toEqual([
      { role: 'developer', content: 'Label images.' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'low' } }] },
    ]);
  });

  it('refuses a document part before sending, naming the message and the part', async () => {
    const error = (await errorOf(model().chat([{ role: 'user', content: [{ type: 'text', text: 'Summarise.' }, { type: 'document', url: 'https://x/a.pdf' }] }]))) as Error;
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error.message).toContain('messages[0].content[1]');
    expect(error.message).toContain('document');
    expect(server.requestCount).toBe(0);
  });
});

describe('openai() refusals', () => {
  it('gives a refused completion finishReason "refusal" and the refusal text', async () => {
    server.handle(respond.json(200, openaiRefusalCompletion));
    const response = await firstValueFrom(model().chat('a bad question'));
    expect(response.text).toBe("I'm very sorry, but I can't assist with that request.");
    expect(response.finishReason).toBe('refusal');
  });

  it('streams a recorded refusal as text deltas ending with finishReason "refusal"', async () => {
    server.handle(respond.sse(readFixture('openai-stream-refusal.sse'), { splitAt: [7, 300, 2000] }));
    const chunks = await lastValueFrom(model().stream('a bad question').pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe("I'm very sorry, but I can't assist with that request.");
    expect(chunks.at(-1)).toMatchObject({ finishReason: 'refusal', usage: { inputTokens: 17, outputTokens: 13 } });
  });

  it('keeps finish reasons of ordinary answers', async () => {
    server.handle(respond.sse(streamTranscript(['Hi'], { finishReason: 'length' })));
    const chunks = await lastValueFrom(model().stream('hi').pipe(toArray()));
    expect(chunks.at(-1)?.finishReason).toBe('length');
  });
});
