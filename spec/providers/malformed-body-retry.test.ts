import { lastValueFrom, reduce } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { APIConnectionError } from '../../src/errors/llm-error.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { completionBody, deltaEvent, streamTranscript } from '../support/openai-transcripts.js';
import { messageBody, sse, textStreamEvents } from './anthropic/anthropic-transcripts.js';
import { errorOf } from '../support/settle.js';

// A 2xx whose body is cut off or does not parse is a transport glitch (SPEC, Retries): retried like a dropped
// connection, as an `APIConnectionError`. Here each server answers with a complete HTTP response (its
// content-length matching) whose JSON is cut halfway, once, then a good answer.

const { server, keep } = useLocalModels();

const quickRetry = { initialDelayMs: 0, jitter: false };
const json = { 'content-type': 'application/json' };

function cutHalfway(body: unknown): string {
  const text = JSON.stringify(body);
  return text.slice(0, Math.floor(text.length / 2));
}

function openaiModel(): ChatModel {
  return keep(openai({ model: 'test-model', baseURL: server.baseURL, apiKey: 'sk-test', retry: quickRetry }));
}

function anthropicModel(): ChatModel {
  return keep(anthropic({ model: 'claude-test', baseURL: server.url, apiKey: 'sk-ant-test', retry: quickRetry }));
}

const streamText = (model: ChatModel) => lastValueFrom(model.stream('Hi').pipe(reduce((text, chunk) => text + chunk.text, '')));

describe('a truncated or malformed 2xx body is retried like a dropped connection', () => {
  it('OpenAI-compatible: a JSON body cut halfway, then a good one', async () => {
    server.enqueue(respond.text(200, cutHalfway(completionBody('Lima')), json), respond.json(200, completionBody('Lima')));
    expect((await lastValueFrom(openaiModel().chat('Capital of Peru?'))).text).toBe('Lima');
    expect(server.requestCount).toBe(2);
  });

  it('Anthropic: a JSON body cut halfway, then a good one', async () => {
    server.enqueue(respond.text(200, cutHalfway(messageBody('Lima')), json), respond.json(200, messageBody('Lima')));
    expect((await lastValueFrom(anthropicModel().chat('Capital of Peru?'))).text).toBe('Lima');
    expect(server.requestCount).toBe(2);
  });

  it('OpenAI-compatible: a stream whose first event does not parse, then a good stream', async () => {
    server.enqueue(respond.sse('data: {"choices": [\n\n'), respond.sse(streamTranscript(['Li', 'ma'])));
    expect(await streamText(openaiModel())).toBe('Lima');
    expect(server.requestCount).toBe(2);
  });

  it('Anthropic: a stream whose first event does not parse, then a good stream', async () => {
    server.enqueue(respond.sse('event: message_start\ndata: {"type": "message_st\n\n'), respond.sse(sse(textStreamEvents(['Li', 'ma']))));
    expect(await streamText(anthropicModel())).toBe('Lima');
    expect(server.requestCount).toBe(2);
  });

  it("parallelChat's default onError ('return') is not tripped by one malformed body", async () => {
    server.enqueue(respond.text(200, '{"id": "chatcmpl-1", "choices": [{"message": {"role": "assis', json));
    server.handle(respond.json(200, completionBody('ok')));
    const results = await parallelChat(openaiModel(), ['a', 'b', 'c'], { maxActive: 1, rpm: Infinity, retry: quickRetry });
    expect(results.map((result) => (result instanceof Error || result === null ? result : result.text))).toEqual(['ok', 'ok', 'ok']);
  });

  it('fails with a retryable APIConnectionError (code malformed_body) once the retries are spent', async () => {
    server.handle(respond.text(200, '{"choices": [', json));
    const error = await errorOf(openaiModel().chat('Hi'));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ code: 'malformed_body', retryable: true, status: 200 });
    expect(server.requestCount).toBe(3); // the default 2 retries
  });

  it('a stream cut after its first chunk still fails as interrupted, keeping the text (never re-sent)', async () => {
    server.handle(respond.sse(`${deltaEvent('Li')}data: {"choices": [\n\n`));
    const error = await errorOf(openaiModel().stream('Hi'));
    expect(error).toMatchObject({ name: 'StreamInterruptedError', partialText: 'Li' });
    expect(server.requestCount).toBe(1);
  });
});
