import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { createMockClient, openaiBody, parseSse } from './mock-client.js';

const client = createMockClient();
let server: MockServer;
let chatUrl: string;

beforeAll(async () => {
  server = await startMockServer({ seed: 7 });
  chatUrl = `${server.openaiBaseURL}/chat/completions`;
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('startMockServer, OpenAI chat completions', () => {
  it('exposes its URLs on 127.0.0.1 with the /v1 base for OpenAI and the bare one for Anthropic', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.openaiBaseURL).toBe(`${server.url}/v1`);
    expect(server.anthropicBaseURL).toBe(server.url);
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers JSON in the chat.completion shape with usage and a request id', async () => {
    const reply = await client.post(chatUrl, openaiBody('What is the capital of Peru?'));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers['x-request-id']).toMatch(/^req_mock\d+$/);
    const body = JSON.parse(reply.text);
    expect(body).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gpt-test',
      choices: [{ index: 0, message: { role: 'assistant', content: expect.any(String) }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 14, completion_tokens: 16, total_tokens: 30 },
    });
    expect(body.choices[0].message.content).toMatch(/^Re: What is the capital of Peru\?( \w+){9}\.$/);
  });

  it('gives the same answer to the same prompt and different answers to different prompts', async () => {
    const answer = async (prompt: string) => JSON.parse((await client.post(chatUrl, openaiBody(prompt))).text).choices[0].message.content;
    const first = await answer('Name a colour.');
    expect(await answer('Name a colour.')).toBe(first);
    expect(await answer('Name a fruit.')).not.toBe(first);
  });

  it('cuts the answer at max_tokens (or max_completion_tokens) with finish_reason length', async () => {
    for (const limit of [{ max_tokens: 3 }, { max_completion_tokens: 3, max_tokens: 100 }]) {
      const body = JSON.parse((await client.post(chatUrl, openaiBody('Tell me a story about dragons', limit))).text);
      expect(body.choices[0].finish_reason).toBe('length');
      expect(body.choices[0].message.content).toBe('Re: Tell me');
      expect(body.usage.completion_tokens).toBe(3);
    }
  });

  it('streams chat.completion.chunk events, a finish chunk, a usage chunk and [DONE]', async () => {
    const reply = await client.post(chatUrl, openaiBody('Stream this please', { stream: true, stream_options: { include_usage: true } }));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parseSse(reply.text);
    expect(events.at(-1)?.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.data));
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0].id)).toBe(true);
    expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: '' });
    const usageChunk = chunks.at(-1);
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 16, total_tokens: 28, prompt_tokens_details: { cached_tokens: 0 } });
    const finishChunk = chunks.at(-2);
    expect(finishChunk.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const deltas = chunks.slice(1, -2).map((chunk) => chunk.choices[0].delta.content);
    expect(deltas).toHaveLength(16);
    const json = JSON.parse((await client.post(chatUrl, openaiBody('Stream this please'))).text);
    expect(deltas.join('')).toBe(json.choices[0].message.content);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('sends no usage chunk unless stream_options.include_usage is set, and groups chunkTokens per event', async () => {
    const grouped = await startMockServer({ chunkTokens: 4, answerTokens: 10 });
    try {
      const reply = await client.post(`${grouped.openaiBaseURL}/chat/completions`, openaiBody('Hi', { stream: true }));
      const chunks = parseSse(reply.text).slice(0, -1).map((event) => JSON.parse(event.data));
      expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
      expect(chunks.slice(1, -1).map((chunk) => chunk.choices[0].delta.content.split(/(?=[ ])/).length)).toEqual([4, 4, 2]);
      expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    } finally {
      await grouped.close();
    }
  });

  it('answers response_format json_schema with JSON that fits the schema', async () => {
    const schema = z.object({
      city: z.string(),
      population: z.number().int().min(1),
      capital: z.boolean(),
      continent: z.enum(['Africa', 'Americas', 'Asia', 'Europe', 'Oceania']),
      languages: z.array(z.string()).min(1),
      coordinates: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
    });
    const jsonSchema = z.toJSONSchema(schema);
    const body = openaiBody('Describe Lima', { response_format: { type: 'json_schema', json_schema: { name: 'city', strict: true, schema: jsonSchema } } });
    const reply = JSON.parse((await client.post(chatUrl, body)).text);
    const value = JSON.parse(reply.choices[0].message.content);
    expect(schema.safeParse(value).success).toBe(true);
    expect(z.fromJSONSchema(jsonSchema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value).success).toBe(true);

    const streamed = await client.post(chatUrl, { ...body, stream: true });
    const text = parseSse(streamed.text).slice(1, -2).map((event) => JSON.parse(event.data).choices[0].delta.content).join('');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('answers response_format json_object with a JSON object', async () => {
    const reply = JSON.parse((await client.post(chatUrl, openaiBody('Hi', { response_format: { type: 'json_object' } }))).text);
    expect(JSON.parse(reply.choices[0].message.content)).toEqual({ answer: expect.stringMatching(/^Re: Hi/) });
  });

  it('continues a trailing assistant message (prefill) with the rest of the answer', async () => {
    const full = JSON.parse((await client.post(chatUrl, openaiBody('Continue me'))).text).choices[0].message.content as string;
    const prefix = full.split(' ').slice(0, 5).join(' ');
    const body = { model: 'gpt-test', messages: [{ role: 'user', content: 'Continue me' }, { role: 'assistant', content: prefix }] };
    const rest = JSON.parse((await client.post(chatUrl, body)).text);
    expect(prefix + rest.choices[0].message.content).toBe(full);
    expect(rest.usage.completion_tokens).toBe(11);
  });

  it('counts input tokens like estimateInputTokens, over every message and content part', async () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'there' }] },
      ],
    };
    const reply = JSON.parse((await client.post(chatUrl, body)).text);
    expect(reply.usage.prompt_tokens).toBe(3 + (4 + 3) + (4 + 3));
    expect(reply.choices[0].message.content).toMatch(/^Re: Hello there /);
  });

  it('lists models, and answers unknown routes, bad JSON and bad requests with OpenAI errors', async () => {
    const models = JSON.parse((await client.get(`${server.openaiBaseURL}/models`)).text);
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'mock-model', object: 'model' }] });

    const missing = await client.get(`${server.url}/v1/nope`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { type: 'invalid_request_error' } });

    const garbage = await client.post(chatUrl, '{not json');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.text).error.message).toMatch(/not valid JSON/);

    const noMessages = await client.post(chatUrl, { model: 'm', messages: [] });
    expect(noMessages.status).toBe(400);
    expect(JSON.parse(noMessages.text).error.message).toMatch(/^messages:/);

    const badLimit = await client.post(chatUrl, openaiBody('x', { max_tokens: 0 }));
    expect(JSON.parse(badLimit.text).error.message).toMatch(/^max_tokens:/);

    const wrongMethod = await client.get(chatUrl);
    expect(wrongMethod.status).toBe(405);
  });

  it('honours the x-mock-answer-tokens and x-mock-latency-ms headers, and rejects bad values', async () => {
    const reply = JSON.parse((await client.post(chatUrl, openaiBody('Short'), { 'x-mock-answer-tokens': '3', 'x-mock-latency-ms': '1' })).text);
    expect(reply.usage.completion_tokens).toBe(3);
    expect((await client.post(chatUrl, openaiBody('x'), { 'x-mock-answer-tokens': 'lots' })).status).toBe(400);
    expect((await client.post(chatUrl, openaiBody('x'), { 'x-mock-latency-ms': '-5' })).status).toBe(400);
  });

  it('requires the API key when apiKey is set, without echoing it', async () => {
    const locked = await startMockServer({ apiKey: 'sk-mock-secret' });
    try {
      const url = `${locked.openaiBaseURL}/chat/completions`;
      const denied = await client.post(url, openaiBody('x'), { authorization: 'Bearer wrong' });
      expect(denied.status).toBe(401);
      expect(JSON.parse(denied.text).error.code).toBe('invalid_api_key');
      expect(denied.text).not.toContain('sk-mock-secret');
      expect((await client.post(url, openaiBody('x'), { authorization: 'Bearer sk-mock-secret' })).status).toBe(200);
    } finally {
      await locked.close();
    }
  });
});
