import { performance } from 'node:perf_hooks';
import { from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamInterruptedError } from '../../src/errors/llm-error.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import { type Handler, type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { answerBody, answerStream, isStream, type OpenAIApi, overloadedStream, piecesOf, promptOf, textDeltaOf } from '../support/two-openai-apis.js';

// The same pipeline cases on both OpenAI APIs, against a real server speaking each one's wire format.

let server: LocalServer;
let model: ChatModel;
afterEach(async () => {
  await model.provider.close?.().catch(() => undefined);
  await server.close();
});

const prompts = (count: number) => Array.from({ length: count }, (_, index) => `prompt ${index}`);
const quickRetry = { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 4, jitter: false };

describe.each(['chat', 'responses'] as const)('the pipeline on the %s API', (api: OpenAIApi) => {
  const path = api === 'chat' ? '/v1/chat/completions' : '/v1/responses';
  /** Requests received per prompt. */
  let received: Map<string, number>;

  /** Answers every prompt, unless `script` says otherwise for this attempt (0-based). */
  const serve = (script: (prompt: string, attempt: number) => Handler | undefined = () => undefined, delayMs = 0) => {
    server.handle((exchange) => {
      expect(exchange.request.path).toBe(path);
      const prompt = promptOf(exchange.request);
      const attempt = received.get(prompt) ?? 0;
      received.set(prompt, attempt + 1);
      const answer = script(prompt, attempt) ?? (isStream(exchange.request) ? respond.sse(answerStream(api, piecesOf(prompt))) : respond.json(200, answerBody(api, prompt.toUpperCase())));
      return (delayMs > 0 ? respond.delay(delayMs, answer) : answer)(exchange);
    });
  };

  beforeEach(async () => {
    server = await startLocalServer();
    received = new Map();
    model = openai({ model: 'test-model', api, baseURL: server.baseURL, apiKey: '' });
  });

  it('never has more than maxActive requests open at the server', async () => {
    serve(undefined, 5);
    const results = await lastValueFrom(from(prompts(24)).pipe(chatEach(model, { maxActive: 4, rpm: Infinity }), toArray()));
    const inOrder = [...results].sort((a, b) => a.index - b.index);
    expect(inOrder.map((result) => (result.ok ? result.response.text : result.error))).toEqual(prompts(24).map((prompt) => prompt.toUpperCase()));
    expect(server.maxInFlight).toBeLessThanOrEqual(4);
    expect(server.maxInFlight).toBeGreaterThan(1);
  });

  it('keeps streams within maxActive until their last chunk', async () => {
    serve(undefined, 5);
    const texts = await lastValueFrom(from(prompts(12)).pipe(streamEach(model, { maxActive: 3, rpm: Infinity }), mergeMap((item) => item.text), toArray()));
    expect(texts.sort()).toEqual(prompts(12).map((prompt) => prompt.toUpperCase()).sort());
    expect(server.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('the limiter holds every prompt until the reset a 429 with remaining 0 announces', async () => {
    const arrivals: number[] = [];
    let refusedAt: number | undefined;
    serve((prompt, attempt) => {
      const at = performance.now();
      arrivals.push(at);
      if (prompt !== 'prompt 0' || attempt > 0) return undefined;
      refusedAt = at;
      // OpenAI's rate-limit header names and 429 body (openai-openapi's RateLimitError docs), which both APIs send.
      return respond.json(
        429,
        { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '150ms' },
      );
    });
    const results = await lastValueFrom(from(prompts(8)).pipe(chatEach(model, { maxActive: 1, rpm: Infinity, retry: quickRetry }), toArray()));
    expect(results.every((result) => result.ok)).toBe(true);
    const next = arrivals.find((at) => at > refusedAt!)!;
    expect(next - refusedAt!).toBeGreaterThanOrEqual(140);
  });

  it('retries an error that comes inside the 200 stream before the first chunk, and the item gets the whole text', async () => {
    serve((prompt, attempt) => (prompt === 'prompt 1' && attempt === 0 ? respond.sse(overloadedStream(api)) : undefined));
    const items = await lastValueFrom(from(prompts(3)).pipe(streamEach(model, { maxActive: 2, rpm: Infinity, retry: quickRetry }), toArray()));
    const texts = await Promise.all(items.map((item) => item.text));
    expect(texts).toEqual(prompts(3).map((prompt) => prompt.toUpperCase()));
    expect(received.get('prompt 1')).toBe(2);
  });

  it('fails a stream cut after its first chunk with StreamInterruptedError keeping the partial text, without a retry', async () => {
    serve((prompt) => {
      if (prompt !== 'prompt 1') return undefined;
      const body = answerStream(api, piecesOf(prompt));
      const firstDelta = textDeltaOf(api, 'PROMPT');
      return respond.dropAfter(body.indexOf(firstDelta) + Buffer.byteLength(firstDelta) + 3, body, { contentType: 'text/event-stream' });
    });
    const items = await lastValueFrom(from(prompts(3)).pipe(streamEach(model, { maxActive: 2, rpm: Infinity, retry: quickRetry }), toArray()));
    const outcomes = await Promise.all(items.map((item) => item.text.catch((error: unknown) => error)));
    expect(outcomes[0]).toBe('PROMPT 0');
    expect(outcomes[2]).toBe('PROMPT 2');
    expect(outcomes[1]).toBeInstanceOf(StreamInterruptedError);
    expect(outcomes[1]).toMatchObject({ partialText: 'PROMPT', retryable: false });
    expect(received.get('prompt 1')).toBe(1);
  });
});

