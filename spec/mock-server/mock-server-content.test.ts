import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { anthropic, type ChatMessage, type ChatModel, chatStructured, openai, RefusalError } from '../../src/index.js';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { errorOf } from '../support/settle.js';
import { anthropicBody, createMockClient, openaiBody, parseSse } from './mock-client.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const client = createMockClient();
let server: MockServer;
let refusing: MockServer;
const models: ChatModel[] = [];

beforeAll(async () => {
  server = await startMockServer({ seed: 3 });
  refusing = await startMockServer({ seed: 3, faults: { refusal: 1 } });
});
afterAll(async () => {
  await Promise.all(models.map((model) => model.provider.close?.()));
  await client.close();
  await server.close();
  await refusing.close();
});

function keep(model: ChatModel): ChatModel {
  models.push(model);
  return model;
}
const openaiOn = (mock: MockServer) => keep(openai({ model: 'gpt-test', apiKey: 'sk-test', baseURL: mock.openaiBaseURL, maxRetries: 0 }));
const anthropicOn = (mock: MockServer) => keep(anthropic({ model: 'claude-test', apiKey: 'sk-ant-test', baseURL: mock.anthropicBaseURL, maxRetries: 0 }));

const picture: ChatMessage[] = [
  { role: 'developer', content: 'Label the picture in one word.' },
  { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', data: PNG, mediaType: 'image/png' }, { type: 'image', url: 'https://example.com/a.png' }] },
];

describe('the mock server takes content parts and the developer role', () => {
  it.each([['openai', openaiOn], ['anthropic', anthropicOn]] as const)('answers %s requests with image parts and a developer message', async (_name, make) => {
    const response = await firstValueFrom(make(server).chat(picture));
    expect(response.text).toMatch(/^Re: What is this\?/);
    expect(response.finishReason).not.toBe('refusal');
  });

  it('answers Anthropic document blocks and cache_control', async () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: [{ type: 'text', text: 'Summarise.', cacheControl: { type: 'ephemeral' } }] },
      { role: 'user', content: [{ type: 'document', data: 'JVBERi0xLjQK', mediaType: 'application/pdf' }, { type: 'text', text: 'The report' }] },
    ];
    expect((await firstValueFrom(anthropicOn(server).chat(messages))).text).toMatch(/^Re: The report/);
  });

  it.each([
    ['an Anthropic image block sent to OpenAI', `${'openai'}`, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }, 'messages[0].content[0].type'],
    ['an image_url part without a url', 'openai', { type: 'image_url', image_url: {} }, 'messages[0].content[0].image_url.url'],
    ['an OpenAI image_url part sent to Anthropic', 'anthropic', { type: 'image_url', image_url: { url: 'https://x/a.png' } }, 'messages[0].content[0].type'],
    ['an Anthropic image without a source', 'anthropic', { type: 'image' }, 'messages[0].content[0].source'],
  ])('answers 400 to %s', async (_name, wire, part, field) => {
    const url = wire === 'openai' ? `${server.openaiBaseURL}/chat/completions` : `${server.anthropicBaseURL}/v1/messages`;
    const body = wire === 'openai' ? openaiBody('x') : anthropicBody('x');
    const reply = await client.post(url, { ...body, messages: [{ role: 'user', content: [part] }] });
    expect(reply.status).toBe(400);
    expect(reply.text).toContain(field);
  });

  it('answers 400 to a developer or system role inside Anthropic messages', async () => {
    const reply = await client.post(`${server.anthropicBaseURL}/v1/messages`, anthropicBody('x', { messages: [{ role: 'developer', content: 'x' }, { role: 'user', content: 'y' }] }));
    expect(reply.status).toBe(400);
    expect(reply.text).toContain('messages[0].role');
  });
});

describe('the mock server refuses on request (fault "refusal")', () => {
  it('answers OpenAI with message.refusal, chat and stream', async () => {
    const reply = await client.post(`${refusing.openaiBaseURL}/chat/completions`, openaiBody('Hi'));
    expect(JSON.parse(reply.text).choices[0]).toMatchObject({ message: { content: null, refusal: expect.stringMatching(/can't assist/) }, finish_reason: 'stop' });
    const stream = await client.post(`${refusing.openaiBaseURL}/chat/completions`, openaiBody('Hi', { stream: true }));
    const deltas = parseSse(stream.text).filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data).choices[0]?.delta ?? {});
    expect(deltas.map((delta: { refusal?: string | null }) => delta.refusal ?? '').join('')).toBe(JSON.parse(reply.text).choices[0].message.refusal);
  });

  it.each([['openai', openaiOn], ['anthropic', anthropicOn]] as const)('gives %s users finishReason "refusal" with the text, chat and stream', async (_name, make) => {
    const model = make(refusing);
    const response = await firstValueFrom(model.chat('Hi'));
    expect(response).toMatchObject({ finishReason: 'refusal', text: expect.stringMatching(/can't assist/) });
    const chunks = await lastValueFrom(model.stream('Hi').pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(response.text);
    expect(chunks.at(-1)?.finishReason).toBe('refusal');
  });

  it.each([['openai', openaiOn], ['anthropic', anthropicOn]] as const)('makes a %s structured request fail with RefusalError', async (_name, make) => {
    const error = await errorOf(chatStructured(make(refusing), 'Capital of Peru?', z.object({ city: z.string() })));
    expect(error).toBeInstanceOf(RefusalError);
  });

  it('answers Anthropic with stop_reason "refusal" and stop_details', async () => {
    const reply = await client.post(`${refusing.anthropicBaseURL}/v1/messages`, anthropicBody('Hi'));
    expect(JSON.parse(reply.text)).toMatchObject({ stop_reason: 'refusal', stop_details: { type: 'refusal' }, content: [{ type: 'text' }] });
  });
});
