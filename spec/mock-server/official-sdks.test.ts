import Anthropic, * as AnthropicErrors from '@anthropic-ai/sdk';
import OpenAI, * as OpenAIErrors from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FAULT_KINDS, type FaultKind, type MockServer, startMockServer } from '../../src/mock-server/index.js';

// The mock server driven by the official clients (devDependencies only): what users' own tests do with it. Each
// fault must surface as the error class that SDK raises for the real API's answer (openai-node `src/core/error.ts`,
// anthropic-sdk-typescript `src/core/error.ts`: classes chosen by status; a stream's `error` event is an `APIError`).

let server: MockServer;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  server = await startMockServer({ endlessBodyMaxBytes: 1 << 20 });
  openai = new OpenAI({ apiKey: 'sk-mock', baseURL: server.openaiBaseURL, maxRetries: 0, timeout: 2_000 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-mock', baseURL: server.anthropicBaseURL, maxRetries: 0, timeout: 2_000 });
});
afterAll(async () => {
  await server.close();
});

const user = (content: string) => [{ role: 'user' as const, content }];
const fault = (kind: FaultKind) => ({ headers: { 'x-mock-fault': kind } });

async function openaiChat(kind: FaultKind): Promise<unknown> {
  return openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Hi') }, fault(kind));
}
async function openaiStream(kind: FaultKind): Promise<OpenAI.ChatCompletionChunk[]> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: user('Hi') }, fault(kind))) chunks.push(chunk);
  return chunks;
}
async function anthropicChat(kind: FaultKind): Promise<unknown> {
  return anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: user('Hi') }, fault(kind));
}
async function anthropicStream(kind: FaultKind): Promise<Anthropic.RawMessageStreamEvent[]> {
  const events: Anthropic.RawMessageStreamEvent[] = [];
  for await (const event of await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, stream: true, messages: user('Hi') }, fault(kind))) events.push(event);
  return events;
}

describe('official SDKs against the mock: answers', () => {
  it('openai: chat and stream give the same text, with usage', async () => {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Tell me about rivers') });
    const text = completion.choices[0]!.message.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    const chunks = await (async () => {
      const out: OpenAI.ChatCompletionChunk[] = [];
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: user('Tell me about rivers') });
      for await (const chunk of stream) out.push(chunk);
      return out;
    })();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(text);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(completion.usage?.completion_tokens);
  });

  it('openai: chat.completions.parse with zodResponseFormat gives a parsed object of the schema', async () => {
    const schema = z.object({ city: z.string(), population: z.number().int() });
    const completion = await openai.chat.completions.parse({ model: 'gpt-4o-mini', messages: user('A city'), response_format: zodResponseFormat(schema, 'city') });
    expect(schema.parse(completion.choices[0]!.message.parsed)).toEqual(completion.choices[0]!.message.parsed);
  });

  it('openai: the refusal fault is message.refusal, which parse() keeps with parsed null', async () => {
    const schema = z.object({ city: z.string() });
    const completion = await openai.chat.completions.parse({ model: 'gpt-4o-mini', messages: user('A city'), response_format: zodResponseFormat(schema, 'city') }, fault('refusal'));
    expect(completion.choices[0]!.message.refusal).toMatch(/\S/);
    expect(completion.choices[0]!.message.parsed).toBeNull();
  });

  it('anthropic: messages.create and stream give the same text; a forced tool gives a tool_use block of its schema', async () => {
    const message = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 200, messages: user('Tell me about lakes') });
    const block = message.content[0]!;
    expect(block.type).toBe('text');
    const streamed = await anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 200, messages: user('Tell me about lakes') }).finalMessage();
    expect(streamed.content).toEqual(message.content);
    expect(streamed.usage.output_tokens).toBe(message.usage.output_tokens);

    const tool = { name: 'record_city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' }, rank: { type: 'integer' } }, required: ['city', 'rank'] } };
    const forced = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 200, messages: user('A city'), tools: [tool], tool_choice: { type: 'tool', name: 'record_city' } });
    expect(forced.stop_reason).toBe('tool_use');
    const use = forced.content.find((part) => part.type === 'tool_use');
    expect(use).toMatchObject({ type: 'tool_use', name: 'record_city' });
    expect(z.object({ city: z.string(), rank: z.number().int() }).safeParse((use as { input: unknown }).input).success).toBe(true);
  });

  it('honours stop: OpenAI `stop` and Anthropic `stop_sequences` end the answer before the sequence', async () => {
    const full = (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Tell me about stops') })).choices[0]!.message.content!;
    const words = full.split(' ');
    const stopWord = words[Math.floor(words.length / 2)]!;
    const cut = full.slice(0, full.indexOf(stopWord));
    const stopped = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Tell me about stops'), stop: ['never-in-the-answer', stopWord] });
    expect(stopped.choices[0]!.message.content).toBe(cut);
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
    const chunks: string[] = [];
    for await (const chunk of await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: user('Tell me about stops'), stop: stopWord })) chunks.push(chunk.choices[0]?.delta.content ?? '');
    expect(chunks.join('')).toBe(cut);

    const message = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 500, messages: user('Tell me about stops') });
    const text = (message.content[0] as { text: string }).text;
    const sequence = text.split(' ')[3]!;
    const anthropicStopped = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 500, messages: user('Tell me about stops'), stop_sequences: [sequence] });
    expect((anthropicStopped.content[0] as { text: string }).text).toBe(text.slice(0, text.indexOf(sequence)));
    expect(anthropicStopped.stop_reason).toBe('stop_sequence');
    expect(anthropicStopped.stop_sequence).toBe(sequence);
    const streamed = await anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 500, messages: user('Tell me about stops'), stop_sequences: [sequence] }).finalMessage();
    expect(streamed.stop_reason).toBe('stop_sequence');
    expect(streamed.stop_sequence).toBe(sequence);
    expect((streamed.content[0] as { text: string }).text).toBe(text.slice(0, text.indexOf(sequence)));
  });

  it('answers 404 in the provider\'s own error shape for paths the real APIs do not serve', async () => {
    const bare = new OpenAI({ apiKey: 'sk-mock', baseURL: server.url, maxRetries: 0 });
    const error = await bare.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Hi') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAIErrors.NotFoundError);
    expect((error as OpenAIErrors.APIError).error).toMatchObject({ message: expect.any(String), type: 'invalid_request_error' });
    const response = await fetch(`${server.url}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: expect.any(String) } });
  });
});

// For each fault: [openai chat, openai stream, anthropic chat, anthropic stream]. A class is what must be thrown (an
// instance of it); 'ok' means the SDK does not raise, as it would not for the same bytes from a real server
// (e.g. a 200 HTML page, or an event stream cut cleanly between events, which neither SDK checks for a final event).
type Outcome = 'ok' | (abstract new (...args: never[]) => Error);
const O = OpenAIErrors;
const A = AnthropicErrors;
const EXPECTED: Record<FaultKind, [Outcome, Outcome, Outcome, Outcome]> = {
  '400': [O.BadRequestError, O.BadRequestError, A.BadRequestError, A.BadRequestError],
  '401': [O.AuthenticationError, O.AuthenticationError, A.AuthenticationError, A.AuthenticationError],
  // OpenAI sends no 402: the openai SDK has no class for it, so it is a plain APIError with status 402.
  '402': [O.APIError, O.APIError, A.PaymentRequiredError, A.PaymentRequiredError],
  '403': [O.PermissionDeniedError, O.PermissionDeniedError, A.PermissionDeniedError, A.PermissionDeniedError],
  '429': [O.RateLimitError, O.RateLimitError, A.RateLimitError, A.RateLimitError],
  '429-no-retry-after': [O.RateLimitError, O.RateLimitError, A.RateLimitError, A.RateLimitError],
  '500': [O.InternalServerError, O.InternalServerError, A.InternalServerError, A.InternalServerError],
  '502': [O.InternalServerError, O.InternalServerError, A.InternalServerError, A.InternalServerError],
  '503': [O.InternalServerError, O.InternalServerError, A.ServiceUnavailableError, A.ServiceUnavailableError],
  '504': [O.InternalServerError, O.InternalServerError, A.GatewayTimeoutError, A.GatewayTimeoutError],
  '529': [O.InternalServerError, O.InternalServerError, A.OverloadedError, A.OverloadedError],
  reset: [O.APIConnectionError, O.APIConnectionError, A.APIConnectionError, A.APIConnectionError],
  hang: [O.APIConnectionTimeoutError, O.APIConnectionTimeoutError, A.APIConnectionTimeoutError, A.APIConnectionTimeoutError],
  // A body cut by the socket: undici's TypeError "terminated" in openai-node (it does not wrap body-read errors);
  // anthropic-sdk wraps it in APIConnectionError.
  'midstream-drop': [TypeError, TypeError, A.APIConnectionError, A.APIConnectionError],
  'malformed-json': [SyntaxError, SyntaxError, SyntaxError, SyntaxError],
  'malformed-sse': ['ok', 'ok', 'ok', 'ok'],
  'truncated-body': [TypeError, 'ok', A.APIConnectionError, 'ok'],
  'wrong-content-type': ['ok', 'ok', 'ok', 'ok'],
  'html-error': [O.InternalServerError, O.InternalServerError, A.InternalServerError, A.InternalServerError],
  'endless-body': [TypeError, TypeError, A.APIConnectionError, A.APIConnectionError],
  // OpenAI's quota answer is a 429; Anthropic's "credit balance is too low" is a 400 invalid_request_error.
  'insufficient-quota': [O.RateLimitError, O.RateLimitError, A.BadRequestError, A.BadRequestError],
  'groq-429': [O.RateLimitError, O.RateLimitError, A.RateLimitError, A.RateLimitError],
  'gateway-error': [O.RateLimitError, O.RateLimitError, A.RateLimitError, A.RateLimitError],
  // Streams: the error event is an APIError in both SDKs. A JSON request gets a 200 error envelope (gateway-style),
  // which neither SDK inspects.
  'stream-error-event': ['ok', O.APIError, 'ok', A.APIError],
  refusal: ['ok', 'ok', 'ok', 'ok'],
};

describe('official SDKs against the mock: every fault kind', () => {
  it('EXPECTED covers FAULT_KINDS exactly', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...FAULT_KINDS].sort());
  });

  for (const kind of FAULT_KINDS) {
    it(`${kind}: each SDK raises the class its real API answer would`, async () => {
      const calls = [openaiChat, openaiStream, anthropicChat, anthropicStream];
      const outcomes = await Promise.all(calls.map((call) => call(kind).then(() => 'ok' as const, (error: unknown) => error)));
      outcomes.forEach((outcome, index) => {
        const expected = EXPECTED[kind][index]!;
        if (expected === 'ok') expect(outcome, `call ${index}`).toBe('ok');
        else expect(outcome, `call ${index}`).toBeInstanceOf(expected);
      });
      const status = { '402': 402, '529': 529, 'insufficient-quota': undefined }[kind as string];
      if (status !== undefined) expect((outcomes[0] as { status: number }).status).toBe(status);
    });
  }

  it('the quota and Groq 429 bodies carry the codes the SDKs expose', async () => {
    const quota = (await openaiChat('insufficient-quota').catch((e: unknown) => e)) as OpenAIErrors.APIError;
    expect(quota.code).toBe('insufficient_quota');
    const groq = (await openaiChat('groq-429').catch((e: unknown) => e)) as OpenAIErrors.APIError;
    expect(groq.code).toBe('rate_limit_exceeded');
    const overloaded = (await anthropicChat('529').catch((e: unknown) => e)) as AnthropicErrors.APIError;
    expect(overloaded.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
});
