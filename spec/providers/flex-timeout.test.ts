import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { APIConnectionError } from '../../src/errors/llm-error.js';
import { createOpenAIProvider } from '../../src/providers/openai-compatible/openai-provider.js';
import type { ProviderRequest } from '../../src/types.js';
import { type Handler, respond } from '../support/local-server.js';
import { useLocalModels } from '../support/use-local-models.js';
import { completionBody, streamTranscript } from '../support/openai-transcripts.js';
import { errorOf } from '../support/settle.js';

// Issue 26: a flex request gets the 15-minute whole-request timeout unless the user set `timeout`. Over the wire,
// without waiting 15 minutes: the default is made short (SHORT_DEFAULT_MS), and the server holds every flex answer
// until a default-tier request sent beside it has been cut off by that default (its exchange closed, aborted, as the
// server sees it). Pass or fail follows the order of events, not the clock; the test timeout is only a hang ceiling.
const SHORT_DEFAULT_MS = 150;

const local = useLocalModels();
const { server } = local;

const provider = (timeoutIsDefault: boolean) =>
  createOpenAIProvider({ id: 'local', baseURL: server.baseURL, dispatcher: local.agent, timeoutMs: SHORT_DEFAULT_MS, idleTimeoutMs: SHORT_DEFAULT_MS, maxResponseBytes: 1 << 20, timeoutIsDefault });

const request = (serviceTier?: string): ProviderRequest => ({
  model: 'test-model',
  messages: [{ role: 'user', content: `at ${serviceTier ?? 'no tier'}` }],
  params: serviceTier === undefined ? {} : { serviceTier },
});

const isFlex = (body: unknown) => (body as { service_tier?: string }).service_tier === 'flex';

/** Never answers a non-flex request; answers a flex one with `answer` once the first non-flex request was cut off. */
function flexAfterCutOff(answer: Handler): Handler {
  return async (exchange) => {
    if (!isFlex(exchange.request.body)) return respond.hang()(exchange);
    await server.waitForRequests(2);
    const other = server.requests.find((recorded) => !isFlex(recorded.body))!;
    const { aborted } = await other.closed;
    expect(aborted).toBe(true);
    return answer(exchange);
  };
}

describe('flex timeout over the wire', () => {
  it('keeps a flex chat open past the default timeout that cuts off a request at the default tier', async () => {
    server.handle(flexAfterCutOff(respond.json(200, completionBody('late but fine'))));
    const model = provider(true);
    const [flex, standard] = await Promise.all([lastValueFrom(model.chat(request('flex'))), errorOf(model.chat(request('default')))]);
    expect(standard).toBeInstanceOf(APIConnectionError);
    expect(String((standard as Error).message)).toMatch(/time|out/i);
    expect(flex.text).toBe('late but fine');
    expect(server.requests.filter((recorded) => isFlex(recorded.body))).toHaveLength(1);
  });

  it('waits for a flex stream\'s first byte past the default timeout too', async () => {
    server.handle(flexAfterCutOff(respond.sse(streamTranscript(['slow ', 'flex']))));
    const model = provider(true);
    const [chunks, standard] = await Promise.all([lastValueFrom(model.stream(request('flex')).pipe(toArray())), errorOf(model.chat(request()))]);
    expect(standard).toBeInstanceOf(APIConnectionError);
    expect(chunks.map((chunk) => chunk.text ?? '').join('')).toBe('slow flex');
  });

  it('cuts a flex request off at the timeout the user set', async () => {
    server.handle(respond.hang());
    const error = await errorOf(provider(false).chat(request('flex')));
    expect(error).toBeInstanceOf(APIConnectionError);
    const [recorded] = server.requests;
    expect(isFlex(recorded!.body)).toBe(true);
    expect(await recorded!.closed).toEqual({ aborted: true });
  });
});
