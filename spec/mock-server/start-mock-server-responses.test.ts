import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import { APIConnectionError } from '../../src/errors/llm-error.js';
import { type MockServer, startMockServer } from '../../src/mock-server/index.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { errorOf } from '../support/settle.js';

let server: MockServer;
beforeEach(async () => {
  server = await startMockServer({ tokensPerSecond: 0 });
});
afterEach(() => server.close());

const model = (headers: Record<string, string> = {}) =>
  openai({ model: 'gpt-5-pro', baseURL: server.openaiBaseURL, apiKey: 'mock', maxRetries: 0, headers });

describe('mock server: POST /v1/responses', () => {
  it('answers chat in the Responses wire format, read by the adapter', async () => {
    const response = await lastValueFrom(model().chat([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of Peru?' }]));
    expect(response.text.length).toBeGreaterThan(0);
    expect(response).toMatchObject({ finishReason: 'stop', model: 'gpt-5-pro' });
    expect(response.usage.inputTokens).toBeGreaterThan(0);
    expect(response.raw).toMatchObject({ object: 'response', status: 'completed', store: false });
  });

  it('streams typed events whose deltas join to the chat answer', async () => {
    const answer = await lastValueFrom(model().chat('Capital of Peru?'));
    const chunks = await lastValueFrom(model().stream('Capital of Peru?').pipe(toArray()));
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(answer.text);
    expect(chunks.at(-1)).toMatchObject({ finishReason: 'stop', usage: answer.usage });
  });

  it('ends incomplete with finish reason length when max_output_tokens cuts the answer', async () => {
    const response = await lastValueFrom(model().chat('Write a long essay about queues.', { maxTokens: 16 }));
    expect(response.usage.outputTokens).toBeLessThanOrEqual(16);
    if (response.finishReason !== 'stop') expect(response.raw).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });

  it('answers structured output from text.format', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const response = await lastValueFrom(model().chat('Capital of Peru?', { responseFormat: { type: 'json_schema', name: 'city', schema } }));
    expect(JSON.parse(response.text)).toEqual({ city: expect.any(String) });
  });

  it('serves a refusal as a refusal part, in chat and stream', async () => {
    const chat = await lastValueFrom(model({ 'x-mock-fault': 'refusal' }).chat('Hi'));
    expect(chat.finishReason).toBe('refusal');
    expect(chat.text.length).toBeGreaterThan(0);
    const chunks = await lastValueFrom(model({ 'x-mock-fault': 'refusal' }).stream('Hi').pipe(toArray()));
    expect(chunks.at(-1)!.finishReason).toBe('refusal');
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(chat.text);
  });

  it.each([
    ['429', RateLimitError],
    ['503', ServerError],
    ['malformed-json', APIConnectionError], // as for Chat Completions: an unparsable 2xx is a transport glitch
    ['stream-error-event', ServerError],
  ] as const)('injects the %s fault in the Responses format', async (fault, errorClass) => {
    const error = await errorOf(model({ 'x-mock-fault': fault }).chat('Hi'));
    expect(error).toBeInstanceOf(errorClass);
  });

  it('speaks the Responses shape for stream-error-event: in_progress, a nested overload error, response.failed, no [DONE]', async () => {
    const post = (stream: boolean) =>
      fetch(`${server.openaiBaseURL}/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-fault': 'stream-error-event' },
        body: JSON.stringify({ model: 'gpt-5', input: 'Hi', stream }),
      });
    const text = await (await post(true)).text();
    const events = [...text.matchAll(/^data: (.*)$/gm)].map((match) => JSON.parse(match[1]!) as { type: string; error?: unknown; response?: { status: string } });
    expect(events.map((event) => event.type)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed']);
    expect(events[2]!.error).toMatchObject({ type: 'service_unavailable_error', code: 'server_is_overloaded' });
    expect(events[3]!.response).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    expect(text).not.toContain('[DONE]');
    expect(await (await post(false)).json()).toMatchObject({ object: 'response', status: 'failed', error: { code: 'server_error' } });
    const streamed = await errorOf(model({ 'x-mock-fault': 'stream-error-event' }).stream('Hi'));
    expect(streamed).toBeInstanceOf(ServerError);
    expect(streamed).toMatchObject({ code: 'server_is_overloaded', retryable: true });
  });

  it('fails a malformed Responses stream with a typed error', async () => {
    const error = await errorOf(model({ 'x-mock-fault': 'malformed-sse' }).stream('Hi'));
    expect(error).toBeInstanceOf(APIConnectionError);
  });
});
