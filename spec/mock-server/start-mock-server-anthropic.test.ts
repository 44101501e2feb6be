import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { anthropicBody, createMockClient, parseSse } from './mock-client.js';

const client = createMockClient();
let server: MockServer;
let messagesUrl: string;

beforeAll(async () => {
  server = await startMockServer();
  messagesUrl = `${server.anthropicBaseURL}/v1/messages`;
});
afterAll(async () => {
  await client.close();
  await server.close();
});

const weather = z.object({ city: z.string(), celsius: z.number().min(-50).max(50), unit: z.enum(['C', 'F']), rainy: z.boolean() });
const tools = [
  { name: 'other', description: 'unused', input_schema: { type: 'object', properties: { x: { type: 'string' } } } },
  { name: 'report_weather', description: 'Report the weather', input_schema: z.toJSONSchema(weather) },
];

describe('startMockServer, Anthropic messages', () => {
  it('answers JSON in the message shape with usage and a request-id header', async () => {
    const reply = await client.post(messagesUrl, anthropicBody('What is the capital of Peru?', { system: 'Be brief.' }));
    expect(reply.status).toBe(200);
    expect(reply.headers['request-id']).toMatch(/^req_mock\d+$/);
    const body = JSON.parse(reply.text);
    expect(body).toMatchObject({
      id: expect.stringMatching(/^msg_/),
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: expect.stringMatching(/^Re: What is the capital of Peru\? /) }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 14 + 7, output_tokens: 16 },
    });
  });

  it('streams message_start, content_block_start, ping, deltas, content_block_stop, message_delta, message_stop', async () => {
    const reply = await client.post(messagesUrl, anthropicBody('Stream to me', { stream: true }));
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parseSse(reply.text);
    const names = events.map((event) => event.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(3, -3)).toEqual(Array(16).fill('content_block_delta'));
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const data = events.map((event) => JSON.parse(event.data));
    expect(data.every((item, index) => item.type === names[index])).toBe(true);
    expect(data[0].message).toMatchObject({ id: expect.stringMatching(/^msg_/), role: 'assistant', content: [], usage: { input_tokens: 10 } });
    expect(data[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    const text = data.slice(3, -3).map((item) => item.delta.text).join('');
    expect(data.slice(3, -3).every((item) => item.delta.type === 'text_delta')).toBe(true);
    expect(data.at(-2)).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 16 } });
    const json = JSON.parse((await client.post(messagesUrl, anthropicBody('Stream to me'))).text);
    expect(text).toBe(json.content[0].text);
  });

  it('stops at max_tokens with stop_reason max_tokens', async () => {
    const body = JSON.parse((await client.post(messagesUrl, anthropicBody('One two three four', { max_tokens: 2 }))).text);
    expect(body.stop_reason).toBe('max_tokens');
    expect(body.content[0].text).toBe('Re: One');
    expect(body.usage.output_tokens).toBe(2);
  });

  it('requires max_tokens and answers errors as {type: error, error: {type, message}}', async () => {
    const reply = await client.post(messagesUrl, { model: 'claude-test', messages: [{ role: 'user', content: 'Hi' }] });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
  });

  it('answers a forced tool with a tool_use block whose input fits the input_schema', async () => {
    const body = anthropicBody('Weather in Lima?', { tools, tool_choice: { type: 'tool', name: 'report_weather' } });
    const reply = JSON.parse((await client.post(messagesUrl, body)).text);
    expect(reply.stop_reason).toBe('tool_use');
    expect(reply.content).toHaveLength(1);
    expect(reply.content[0]).toMatchObject({ type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'report_weather' });
    expect(weather.parse(reply.content[0].input)).toEqual(reply.content[0].input);

    const streamed = parseSse((await client.post(messagesUrl, { ...body, stream: true })).text).map((event) => JSON.parse(event.data));
    expect(streamed[1].content_block).toMatchObject({ type: 'tool_use', name: 'report_weather', input: {} });
    const partial = streamed.filter((item) => item.type === 'content_block_delta').map((item) => {
      expect(item.delta.type).toBe('input_json_delta');
      return item.delta.partial_json;
    });
    expect(JSON.parse(partial.join(''))).toEqual(reply.content[0].input);
    expect(streamed.at(-2).delta.stop_reason).toBe('tool_use');
  });

  it('rejects a forced tool that is not in tools', async () => {
    const reply = await client.post(messagesUrl, anthropicBody('x', { tools, tool_choice: { type: 'tool', name: 'missing' } }));
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text).error.message).toMatch(/^tool_choice\.name: no tool named "missing"/);
  });

  it('reads content blocks and answers a text answer when tool_choice is auto', async () => {
    const body = {
      model: 'claude-test',
      max_tokens: 100,
      tools,
      tool_choice: { type: 'auto' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Block text' }] }],
    };
    const reply = JSON.parse((await client.post(messagesUrl, body)).text);
    expect(reply.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Re: Block text /) });
  });

  it('continues an assistant prefill with the rest of the answer', async () => {
    const full = JSON.parse((await client.post(messagesUrl, anthropicBody('Resume me'))).text).content[0].text as string;
    const prefix = full.slice(0, full.indexOf(' ', 12));
    const body = anthropicBody('Resume me', { stream: true });
    body.messages = [...body.messages, { role: 'assistant', content: prefix }];
    const events = parseSse((await client.post(messagesUrl, body)).text).map((event) => JSON.parse(event.data));
    const rest = events.filter((item) => item.type === 'content_block_delta').map((item) => item.delta.text).join('');
    expect(prefix + rest).toBe(full);
  });
});
