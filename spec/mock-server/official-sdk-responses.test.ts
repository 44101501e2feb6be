import OpenAI, * as OpenAIErrors from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FAULT_KINDS, type FaultKind, type MockServer, startMockServer } from '../../src/mock-server/index.js';

// The official openai client (devDependency 6.49.0) as the judge of the mock's `POST /v1/responses`: its answers must
// parse as the SDK's `Response` objects and typed events (`client.responses.create`, non-stream and stream, and the
// `client.responses.stream()` helper, which rebuilds the response from the events), and each fault must surface as
// the class the SDK raises for the real API's answer (openai-node `src/core/error.ts`: classes chosen by status; an
// SSE event whose data holds `error` is an `APIError`, `src/core/streaming.ts`).

let server: MockServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startMockServer({ endlessBodyMaxBytes: 1 << 20 });
  client = new OpenAI({ apiKey: 'sk-mock', baseURL: server.openaiBaseURL, maxRetries: 0, timeout: 2_000 });
});
afterAll(async () => {
  await server.close();
});

const MODEL = 'gpt-5';
const fault = (kind: FaultKind) => ({ headers: { 'x-mock-fault': kind } });

async function createEvents(body: OpenAI.Responses.ResponseCreateParamsNonStreaming, options?: { headers: Record<string, string> }) {
  const events: OpenAI.Responses.ResponseStreamEvent[] = [];
  for await (const event of await client.responses.create({ ...body, stream: true }, options)) events.push(event);
  return events;
}
const deltas = (events: OpenAI.Responses.ResponseStreamEvent[], type: 'response.output_text.delta' | 'response.refusal.delta') =>
  events.flatMap((event) => (event.type === type ? [event.delta] : [])).join('');

describe('official openai SDK against the mock: Responses answers', () => {
  it('create: output_text, usage with its details, store false', async () => {
    const response = await client.responses.create({ model: MODEL, instructions: 'Be brief.', input: 'Tell me about rivers' });
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: MODEL, store: false });
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
    expect(response.usage?.input_tokens_details.cached_tokens).toBeGreaterThanOrEqual(0);
    expect(response.usage?.output_tokens_details.reasoning_tokens).toBe(0);
  });

  it('create with stream: typed events whose deltas join to the same text, ending response.completed', async () => {
    const answer = await client.responses.create({ model: MODEL, input: 'Tell me about rivers' });
    const events = await createEvents({ model: MODEL, input: 'Tell me about rivers' });
    expect(events[0]!.type).toBe('response.created');
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(deltas(events, 'response.output_text.delta')).toBe(answer.output_text);
  });

  it('responses.stream(): the helper rebuilds the final response from the events', async () => {
    const answer = await client.responses.create({ model: MODEL, input: 'Tell me about rivers' });
    const stream = client.responses.stream({ model: MODEL, input: 'Tell me about rivers' });
    let text = '';
    stream.on('response.output_text.delta', (event) => (text += event.delta));
    const final = await stream.finalResponse();
    expect(text).toBe(answer.output_text);
    expect(final.output_text).toBe(answer.output_text);
    expect(final.usage).toEqual(answer.usage);
  });

  it('structured output: responses.parse and the stream helper give the parsed object', async () => {
    const City = z.object({ city: z.string(), population: z.number().int() });
    const format = zodTextFormat(City, 'city');
    const parsed = await client.responses.parse({ model: MODEL, input: 'Capital of Peru?', text: { format } });
    expect(City.parse(parsed.output_parsed)).toEqual(parsed.output_parsed);
    const final = await client.responses.stream({ model: MODEL, input: 'Capital of Peru?', text: { format } }).finalResponse();
    expect(City.parse(final.output_parsed)).toEqual(final.output_parsed);
  });

  it('refusal: a refusal content part; streamed as response.refusal.delta', async () => {
    const response = await client.responses.create({ model: MODEL, input: 'Hi' }, fault('refusal'));
    const message = response.output[0] as OpenAI.Responses.ResponseOutputMessage;
    const part = message.content[0] as OpenAI.Responses.ResponseOutputRefusal;
    expect(part.type).toBe('refusal');
    expect(part.refusal.length).toBeGreaterThan(0);
    expect(response.output_text).toBe('');
    const events = await createEvents({ model: MODEL, input: 'Hi' }, fault('refusal'));
    expect(deltas(events, 'response.refusal.delta')).toBe(part.refusal);
    const final = await client.responses.stream({ model: MODEL, input: 'Hi' }, fault('refusal')).finalResponse();
    expect(((final.output[0] as OpenAI.Responses.ResponseOutputMessage).content[0] as OpenAI.Responses.ResponseOutputRefusal).refusal).toBe(part.refusal);
  });

  it('incomplete: max_output_tokens ends the answer with status incomplete, streamed as response.incomplete', async () => {
    const input = 'Write a long essay about queues.';
    const long = { headers: { 'x-mock-answer-tokens': '64' } };
    const response = await client.responses.create({ model: MODEL, input, max_output_tokens: 16 }, long);
    expect(response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(response.usage?.output_tokens).toBe(16);
    const events = await createEvents({ model: MODEL, input, max_output_tokens: 16 }, long);
    expect(events.at(-1)).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete' } });
    const final = await client.responses.stream({ model: MODEL, input, max_output_tokens: 16 }, long).finalResponse();
    expect(final.output_text).toBe(response.output_text);
  });
});

type Outcome = 'ok' | (abstract new (...args: never[]) => unknown);
const O = OpenAIErrors;
/**
 * What `create`, `create({ stream: true })` and the `stream()` helper give for each fault. The helper wraps what is
 * not already an `OpenAIError` (a cut socket's `TypeError`, a parse `SyntaxError`) in `OpenAIError`. A non-stream
 * `create` reads `output_text` off the body, so a body that is not JSON (garbage SSE, an HTML page) is a `TypeError`
 * there, where Chat Completions hands the text back.
 */
const EXPECTED: Record<FaultKind, [Outcome, Outcome, Outcome]> = {
  '400': [O.BadRequestError, O.BadRequestError, O.BadRequestError],
  '401': [O.AuthenticationError, O.AuthenticationError, O.AuthenticationError],
  '402': [O.APIError, O.APIError, O.APIError],
  '403': [O.PermissionDeniedError, O.PermissionDeniedError, O.PermissionDeniedError],
  '429': [O.RateLimitError, O.RateLimitError, O.RateLimitError],
  '429-no-retry-after': [O.RateLimitError, O.RateLimitError, O.RateLimitError],
  '500': [O.InternalServerError, O.InternalServerError, O.InternalServerError],
  '502': [O.InternalServerError, O.InternalServerError, O.InternalServerError],
  '503': [O.InternalServerError, O.InternalServerError, O.InternalServerError],
  '504': [O.InternalServerError, O.InternalServerError, O.InternalServerError],
  '529': [O.InternalServerError, O.InternalServerError, O.InternalServerError],
  reset: [O.APIConnectionError, O.APIConnectionError, O.APIConnectionError],
  hang: [O.APIConnectionTimeoutError, O.APIConnectionTimeoutError, O.APIConnectionTimeoutError],
  'midstream-drop': [TypeError, TypeError, O.OpenAIError],
  'malformed-json': [SyntaxError, SyntaxError, O.OpenAIError],
  'malformed-sse': [TypeError, 'ok', O.OpenAIError],
  'truncated-body': [TypeError, 'ok', 'ok'],
  'wrong-content-type': [TypeError, 'ok', O.OpenAIError],
  'html-error': [O.InternalServerError, O.InternalServerError, O.InternalServerError],
  'endless-body': [TypeError, TypeError, O.OpenAIError],
  'insufficient-quota': [O.RateLimitError, O.RateLimitError, O.RateLimitError],
  'groq-429': [O.RateLimitError, O.RateLimitError, O.RateLimitError],
  'gateway-error': [O.RateLimitError, O.RateLimitError, O.RateLimitError],
  'stream-error-event': ['ok', O.APIError, O.APIError],
  refusal: ['ok', 'ok', 'ok'],
};

const calls: ((kind: FaultKind) => Promise<unknown>)[] = [
  (kind) => client.responses.create({ model: MODEL, input: 'Hi' }, fault(kind)),
  (kind) => createEvents({ model: MODEL, input: 'Hi' }, fault(kind)),
  (kind) => client.responses.stream({ model: MODEL, input: 'Hi' }, fault(kind)).finalResponse(),
];

describe('official openai SDK against the mock: every fault kind on /v1/responses', () => {
  it('EXPECTED covers FAULT_KINDS exactly', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...FAULT_KINDS].sort());
  });

  for (const kind of FAULT_KINDS) {
    it(`${kind}: create, create({ stream }) and stream() raise the class the real API answer would`, async () => {
      const outcomes = await Promise.all(calls.map((call) => call(kind).then(() => 'ok' as const, (error: unknown) => error)));
      outcomes.forEach((outcome, index) => {
        const expected = EXPECTED[kind][index]!;
        if (expected === 'ok') expect(outcome, `call ${index}`).toBe('ok');
        else expect(outcome, `call ${index}: ${String(outcome)}`).toBeInstanceOf(expected);
      });
    });
  }

  it('endless-body: the helper reads the endless deltas (the message item opens first) until the body stops', async () => {
    const stream = client.responses.stream({ model: MODEL, input: 'Hi' }, fault('endless-body'));
    let deltas = 0;
    stream.on('response.output_text.delta', () => deltas++);
    const error = await stream.finalResponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(O.OpenAIError);
    expect((error as Error).message).not.toMatch(/missing output/);
    expect(deltas).toBeGreaterThan(0);
  });

  it('the in-stream overload carries its type and code; the failed JSON response names its error', async () => {
    const streamed = (await createEvents({ model: MODEL, input: 'Hi' }, fault('stream-error-event')).catch((e: unknown) => e)) as OpenAIErrors.APIError;
    expect(streamed.error).toMatchObject({ type: 'service_unavailable_error', code: 'server_is_overloaded' });
    const answered = await client.responses.create({ model: MODEL, input: 'Hi' }, fault('stream-error-event'));
    expect(answered).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
  });
});
