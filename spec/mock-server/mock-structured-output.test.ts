import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { anthropicBody, createMockClient, openaiBody, parseSse } from './mock-client.js';

const client = createMockClient();
let server: MockServer;

beforeAll(async () => {
  server = await startMockServer();
});
afterAll(async () => {
  await client.close();
  await server.close();
});

const Review = z.object({ stars: z.number().int().min(1).max(5), summary: z.string(), tags: z.array(z.string()).min(1).max(3) });
const schema = z.toJSONSchema(Review);

describe('mock server structured output', () => {
  it("answers Anthropic output_config.format with schema-valid JSON text (Anthropic's JSON outputs)", async () => {
    const body = anthropicBody('Review the café', { output_config: { format: { type: 'json_schema', schema } } });
    const reply = JSON.parse((await client.post(`${server.anthropicBaseURL}/v1/messages`, body)).text);
    expect(reply).toMatchObject({ content: [{ type: 'text' }], stop_reason: 'end_turn' });
    const value = JSON.parse(reply.content[0].text);
    expect(Review.safeParse(value).success).toBe(true);
  });

  it('answers OpenAI forced tools with a tool call whose arguments fit the schema, in JSON and in streams', async () => {
    // Shapes of the OpenAI API reference (Create chat completion: `tools`, `tool_choice`; the chat completion
    // object's `message.tool_calls[].function.arguments` is a JSON string; stream deltas carry `tool_calls[].index`).
    const tools = [
      { type: 'function', function: { name: 'other', parameters: { type: 'object', properties: {} } } },
      { type: 'function', function: { name: 'review', description: 'A review', parameters: schema, strict: true } },
    ];
    const body = openaiBody('Review the café', { tools, tool_choice: { type: 'function', function: { name: 'review' } } });
    const url = `${server.openaiBaseURL}/chat/completions`;
    const reply = JSON.parse((await client.post(url, body)).text);
    expect(reply.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: { role: 'assistant', content: null, tool_calls: [{ id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'review' } }] },
    });
    const value = JSON.parse(reply.choices[0].message.tool_calls[0].function.arguments);
    expect(Review.safeParse(value).success).toBe(true);

    const streamed = parseSse((await client.post(url, { ...body, stream: true })).text).filter((event) => event.data !== '[DONE]');
    const deltas = streamed.map((event) => JSON.parse(event.data).choices[0]).filter(Boolean);
    const calls = deltas.flatMap((choice) => choice.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'review' } });
    expect(JSON.parse(calls.map((call: { function: { arguments?: string } }) => call.function.arguments ?? '').join(''))).toEqual(value);
    expect(deltas.at(-1)).toMatchObject({ finish_reason: 'tool_calls' });

    const required = JSON.parse((await client.post(url, { ...body, tool_choice: 'required', tools: tools.slice(1) })).text);
    expect(required.choices[0].message.tool_calls[0].function.name).toBe('review');
  });
});

describe('mock server answers, like a model, follow constraints stated in a description', () => {
  it('keeps numbers, string lengths and array sizes within the bounds a description states', async () => {
    // What the adapters send when a server does not enforce a keyword (see describeUnsupportedKeywords).
    const described = {
      type: 'object',
      properties: {
        stars: { type: 'integer', description: 'Stars. At least 1. At most 5.' },
        share: { type: 'number', description: 'Greater than 0. Less than 1.' },
        handle: { type: 'string', description: 'At least 3 characters. At most 6 characters.' },
        tags: { type: 'array', items: { type: 'string' }, description: 'At least 3 items. At most 4 items.' },
      },
      required: ['stars', 'share', 'handle', 'tags'],
      additionalProperties: false,
    };
    const Described = z.object({ stars: z.number().int().min(1).max(5), share: z.number().gt(0).lt(1), handle: z.string().min(3).max(6), tags: z.array(z.string()).min(3).max(4) });
    for (let index = 0; index < 20; index++) {
      const body = anthropicBody(`Review ${index}`, { output_config: { format: { type: 'json_schema', schema: described } } });
      const reply = JSON.parse((await client.post(`${server.anthropicBaseURL}/v1/messages`, body)).text);
      const value = JSON.parse(reply.content[0].text);
      expect(Described.safeParse(value).error?.issues ?? []).toEqual([]);
    }
  });
});
