import fc from 'fast-check';
import { type Observable, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors/llm-error.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { anthropicTranscript, openAITranscript } from '../support/reliability-transcripts.js';
import { chunked, httpHead, type RawAnswer, type RawServer, startRawServer } from '../support/reliability-raw-server.js';
import { activeResources, drainEventLoop, extraResourcesAfterSettling, trapUnhandled, type UnhandledTrap } from '../support/reliability-resources.js';

/** Short real timeouts: a response that never ends must end the call this soon. */
const TIMEOUT_MS = 150;
/** How late "this soon" may be on a loaded 2-core CI box before we call it a hang. */
const SLACK_MS = 5_000;

let raw: RawServer;
let models: Record<'openai' | 'anthropic', ChatModel>;
let trap: UnhandledTrap;
let baseline: ReturnType<typeof activeResources>;

beforeAll(async () => {
  trap = trapUnhandled();
  baseline = activeResources();
  raw = await startRawServer();
  const common = { model: 'fuzz', maxRetries: 0, timeout: TIMEOUT_MS, streamIdleTimeout: TIMEOUT_MS, maxResponseBytes: 4_096 };
  models = {
    openai: openai({ ...common, baseURL: `${raw.url}/v1`, apiKey: '' }),
    anthropic: anthropic({ ...common, baseURL: raw.url, apiKey: 'sk-ant-fuzz-00000000' }),
  };
});
afterAll(async () => {
  await raw.close();
  trap.dispose();
});

// ---- what the server sends -------------------------------------------------------------------------------------

const OPENAI_BODY = { id: 'c', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1 } };
const ANTHROPIC_BODY = { id: 'msg', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'Hi' }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 1 } };
const PATHS: (string | number)[][] = [
  ['choices'], ['choices', 0], ['choices', 0, 'message'], ['choices', 0, 'message', 'content'], ['choices', 0, 'finish_reason'],
  ['usage'], ['usage', 'prompt_tokens'], ['usage', 'input_tokens'], ['model'], ['content'], ['content', 0], ['content', 0, 'text'],
  ['content', 0, 'type'], ['stop_reason'], ['type'], ['error'], ['delta'], ['message'],
];

/** A well-formed body of either provider with one field replaced by any JSON value. */
const mutatedBody = fc
  .tuple(fc.constantFrom(OPENAI_BODY, ANTHROPIC_BODY), fc.constantFrom(...PATHS), fc.jsonValue({ maxDepth: 2 }))
  .map(([body, path, value]) => JSON.stringify(setPath(structuredClone(body), path, value)));

const sseEventNames = ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error', 'completion'];
const sseLine = fc.oneof(
  fc.oneof(fc.json({ maxDepth: 2 }), mutatedBody, fc.constant('[DONE]'), fc.string({ maxLength: 30 })).map((data) => `data: ${data}`),
  fc.constantFrom(...sseEventNames).map((name) => `event: ${name}`),
  fc.constantFrom(': keep-alive', '', '', 'id: 7', 'retry: soon', 'data:', 'event:'),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const sseBody = fc
  .tuple(fc.array(sseLine, { maxLength: 14 }), fc.constantFrom('\n', '\r\n', '\r'))
  .map(([lines, eol]) => lines.map((line) => line.replace(/[\r\n]/g, ' ')).join(eol) + eol);

const bodyArbitrary: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'binary', maxLength: 300 }).map((text) => Buffer.from(text, 'utf8')),
  fc.json({ maxDepth: 3 }).map((text) => Buffer.from(text, 'utf8')),
  mutatedBody.map((text) => Buffer.from(text, 'utf8')),
  sseBody.map((text) => Buffer.from(text, 'utf8')),
  // Bigger than maxResponseBytes.
  fc.integer({ min: 4_097, max: 20_000 }).map((size) => Buffer.alloc(size, 'x')),
  // Valid answers, so that success paths are fuzzed too (framing and status still vary).
  fc.constantFrom(JSON.stringify(OPENAI_BODY), JSON.stringify(ANTHROPIC_BODY), openAITranscript(['Hi', ' there']), anthropicTranscript(['Hi', ' there'])).map((text) => Buffer.from(text, 'utf8')),
);

const statusArbitrary = fc.oneof(fc.constantFrom(200, 200, 201, 204, 206, 400, 401, 404, 408, 429, 500, 502, 503, 529), fc.integer({ min: 200, max: 599 }));
const contentTypeArbitrary = fc.constantFrom(
  undefined, 'application/json', 'application/json; charset=utf-8', 'text/event-stream', 'text/event-stream; charset=utf-8',
  'text/html', 'text/plain', 'application/octet-stream', '', 'application/problem+json',
);
type Framing = 'length' | 'chunked' | 'eof' | 'short-length' | 'long-length' | 'broken-chunks';

/** A response: head (status, content type, framing) + body, cut into pieces, then end, drop or hang. */
const answerArbitrary = (
  status: fc.Arbitrary<number> = statusArbitrary,
  contentType: fc.Arbitrary<string | undefined> = contentTypeArbitrary,
  body: fc.Arbitrary<Buffer> = bodyArbitrary,
): fc.Arbitrary<RawAnswer & { status: number | string }> => fc
  .record({
    status,
    contentType,
    framing: fc.constantFrom<Framing>('length', 'length', 'chunked', 'eof', 'short-length', 'long-length', 'broken-chunks'),
    body,
    then: fc.oneof({ weight: 3, arbitrary: fc.constant<'end'>('end') }, { weight: 2, arbitrary: fc.constant<'destroy'>('destroy') }, { weight: 1, arbitrary: fc.constant<'hang'>('hang') }),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
  })
  .map(({ status, contentType, framing, body, then, cuts }) => {
    const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
    let payload = body;
    if (framing === 'length') headers['content-length'] = String(body.length);
    if (framing === 'short-length') headers['content-length'] = String(Math.floor(body.length / 2));
    if (framing === 'long-length') headers['content-length'] = String(body.length + 10);
    if (framing === 'eof') headers.connection = 'close';
    if (framing === 'chunked' || framing === 'broken-chunks') {
      headers['transfer-encoding'] = 'chunked';
      payload = chunked(body, 50);
      if (framing === 'broken-chunks') payload = Buffer.concat([payload.subarray(0, Math.floor(payload.length / 2)), Buffer.from('zz\r\n')]);
    }
    const bytes = Buffer.concat([httpHead(status, headers), payload]);
    return { status, bytes, cuts: cuts.map((cut) => cut % Math.max(1, bytes.length)), then };
  });

/** The right answer for the provider and mode, with arbitrary framing, cuts and ending: fuzzes the success paths. */
function nearValidAnswer(provider: 'openai' | 'anthropic', mode: 'chat' | 'stream'): fc.Arbitrary<RawAnswer & { status: number | string }> {
  const body = mode === 'chat' ? JSON.stringify(provider === 'openai' ? OPENAI_BODY : ANTHROPIC_BODY) : (provider === 'openai' ? openAITranscript : anthropicTranscript)(['Hé', 'llo ', '🇵🇪']);
  return answerArbitrary(fc.constantFrom(200, 201), fc.constant(mode === 'chat' ? 'application/json' : 'text/event-stream'), fc.constant(Buffer.from(body, 'utf8')));
}

/** Whole responses that are not HTTP at all, or whose head is broken. */
const brokenHeadArbitrary: fc.Arbitrary<RawAnswer & { status: number | string }> = fc
  .record({
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ unit: 'binary', maxLength: 200 }).map((text) => Buffer.from(`HTTP/1.1 ${text}\r\n\r\n`, 'utf8')),
      fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([name, value]) => Buffer.from(`HTTP/1.1 200 OK\r\n${name}: ${value}\r\ncontent-length: 2\r\n\r\n{}`, 'utf8')),
      fc.constantFrom('HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!', 'HTTP/9.9 200 OK\r\n\r\n', 'HTTP/1.1 99999 Huge\r\n\r\n', '\r\n\r\n', 'ICY 200 OK\r\n\r\n').map((text) => Buffer.from(text)),
    ),
    then: fc.constantFrom<'end' | 'destroy' | 'hang'>('end', 'destroy', 'end', 'hang'),
  })
  .map(({ bytes, then }) => ({ status: 'broken', bytes, then }));

// ---- the property -----------------------------------------------------------------------------------------------

interface Outcome {
  ok: boolean;
  name: string;
  ms: number;
}

/** Subscribes and waits for completion or error; a throw out of the subscription would surface in the trap. */
function settleCall(source: Observable<unknown>): Promise<Outcome & { values: unknown[]; error?: unknown }> {
  const started = performance.now();
  return new Promise((resolve) => {
    source.pipe(toArray()).subscribe({
      next: (values) => resolve({ ok: true, name: 'ok', ms: performance.now() - started, values }),
      error: (error: unknown) => resolve({ ok: false, name: (error as Error)?.name ?? typeof error, ms: performance.now() - started, values: [], error }),
    });
  });
}

describe('arbitrary bytes as a response (property, seeded): a typed LlmError or a valid response, never a throw, a hang or an unhandled rejection', () => {
  const tally: Record<string, number> = {};

  const check = async (answer: RawAnswer & { status: number | string }, provider: 'openai' | 'anthropic', mode: 'chat' | 'stream') => {
    raw.script(() => answer);
    const model = models[provider];
    const outcome = await settleCall(mode === 'chat' ? model.chat('Hi') : model.stream('Hi'));
    tally[outcome.name] = (tally[outcome.name] ?? 0) + 1;
    expect(outcome.ms, 'settled within the timeout').toBeLessThan(TIMEOUT_MS + SLACK_MS);
    if (outcome.ok) {
      // A valid response: only from a 2xx, with text.
      expect(typeof answer.status === 'number' && answer.status >= 200 && answer.status < 300).toBe(true);
      if (mode === 'chat') {
        expect(outcome.values).toHaveLength(1);
        expect(typeof (outcome.values[0] as { text: unknown }).text).toBe('string');
      } else {
        for (const chunk of outcome.values) expect(typeof (chunk as { text: unknown }).text).toBe('string');
      }
    } else {
      expect(isLlmError(outcome.error), `not an LlmError: ${String(outcome.error)}`).toBe(true);
    }
    await drainEventLoop(2);
    expect(trap.errors).toEqual([]);
  };

  it('bodies of any status, content type and framing, cut anywhere, ended, dropped or left hanging (JSON and SSE paths, both providers)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .tuple(fc.constantFrom<'openai' | 'anthropic'>('openai', 'anthropic'), fc.constantFrom<'chat' | 'stream'>('chat', 'stream'))
          .chain(([provider, mode]) =>
            fc.tuple(fc.oneof({ weight: 3, arbitrary: answerArbitrary() }, { weight: 1, arbitrary: nearValidAnswer(provider, mode) }), fc.constant(provider), fc.constant(mode)),
          ),
        ([answer, provider, mode]) => check(answer, provider, mode),
      ),
      { seed: 90_210, numRuns: 220 },
    );
  }, 120_000);

  it('responses that are not HTTP, or whose head is broken', async () => {
    await fc.assert(
      fc.asyncProperty(brokenHeadArbitrary, fc.constantFrom<'openai' | 'anthropic'>('openai', 'anthropic'), fc.constantFrom<'chat' | 'stream'>('chat', 'stream'), check),
      { seed: 4_242, numRuns: 80 },
    );
  }, 120_000);

  it('saw successes and many kinds of typed error, and leaves nothing behind once the agents close', async () => {
    expect(tally.ok ?? 0).toBeGreaterThan(0);
    expect(Object.keys(tally).length).toBeGreaterThanOrEqual(6);
    await models.openai.provider.close?.();
    await models.anthropic.provider.close?.();
    await raw.close();
    expect(await extraResourcesAfterSettling(baseline)).toEqual({});
    await drainEventLoop(5);
    expect(trap.errors).toEqual([]);
    console.info('garbage-response outcomes:', tally);
  });
});

function setPath(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown): Record<string, unknown> {
  let node: Record<string | number, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) return target;
    node = next as Record<string | number, unknown>;
  }
  node[path.at(-1)!] = value;
  return target;
}
