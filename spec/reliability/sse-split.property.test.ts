import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import type { ChatChunk } from '../../src/types.js';
import { everyOffset, type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { readFixture } from '../support/openai-transcripts.js';
import {
  anthropicTranscript,
  continuationOffsets,
  cutsArbitrary,
  deltasArbitrary,
  openAITranscript,
  PLAIN_STYLE,
  sseStyleArbitrary,
} from '../support/reliability-transcripts.js';

let server: LocalServer;
let models: Record<'openai' | 'anthropic', ChatModel>;
beforeAll(async () => {
  server = await startLocalServer();
  models = {
    openai: openai({ model: 'fuzz-model', baseURL: server.baseURL, apiKey: '', maxRetries: 0, timeout: 10_000 }),
    anthropic: anthropic({ model: 'claude-fuzz', baseURL: server.url, apiKey: 'sk-ant-fuzz-000000', maxRetries: 0, timeout: 10_000 }),
  };
});
afterAll(async () => {
  await models.openai.provider.close?.();
  await models.anthropic.provider.close?.();
  await server.close();
});

/** The chunks a model yields for `transcript`, written in pieces cut at `cuts`. */
function chunksOf(provider: 'openai' | 'anthropic', transcript: string | Buffer, cuts: readonly number[] = [], gapMs = 1): Promise<ChatChunk[]> {
  // A real 1 ms pause between writes, so that the pieces reach the client as separate reads.
  server.handle(respond.sse(transcript, { splitAt: cuts, gapMs }));
  return lastValueFrom(models[provider].stream('Hi').pipe(toArray()));
}

const transcriptOf = { openai: openAITranscript, anthropic: anthropicTranscript };

describe.each(['openai', 'anthropic'] as const)('%s: an SSE transcript cut into arbitrary pieces (property, seeded)', (provider) => {
  it('yields the same chunks as the transcript in one piece, whatever the framing and wherever the cuts fall (inside UTF-8 characters and CRLF pairs too)', async () => {
    const scenario = fc
      .tuple(deltasArbitrary, sseStyleArbitrary)
      .chain(([deltas, style]) => {
        const bytes = Buffer.from(transcriptOf[provider](deltas, style), 'utf8');
        return fc.tuple(fc.constant(deltas), fc.constant(style), fc.constant(bytes), cutsArbitrary(bytes));
      });
    let splitCharacters = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ([deltas, , bytes, cuts]) => {
        const inside = new Set(continuationOffsets(bytes));
        if (cuts.some((cut) => inside.has(cut))) splitCharacters += 1;
        const reference = await chunksOf(provider, transcriptOf[provider](deltas, PLAIN_STYLE));
        const pieces = await chunksOf(provider, bytes, cuts);
        expect(pieces).toEqual(reference);
        // And the reference itself is right: the deltas, in order, then a final chunk with the finish reason and usage.
        expect(pieces.map((chunk) => chunk.text).join('')).toBe(deltas.join(''));
        expect(pieces.filter((chunk) => chunk.text !== '').map((chunk) => chunk.text)).toEqual(deltas.filter((text) => text !== ''));
        const last = pieces.at(-1);
        expect(last?.finishReason).toBeTruthy();
        expect(last?.usage).toBeDefined();
      }),
      { seed: 2_024, numRuns: 50 },
    );
    // The property really exercised characters split across writes.
    expect(splitCharacters).toBeGreaterThan(10);
  }, 60_000);

  it('one byte per write, through the recorded fixture (multi-byte text and a flag emoji), gives the same chunks as one write', async () => {
    const fixture = readFixture(provider === 'openai' ? 'openai-stream.sse' : 'anthropic-stream.sse');
    const bytes = Buffer.from(fixture, 'utf8');
    expect(continuationOffsets(bytes).length).toBeGreaterThan(0);
    const whole = await chunksOf(provider, bytes);
    expect(await chunksOf(provider, bytes, everyOffset(bytes.length), 0)).toEqual(whole);
  }, 60_000);

  it('a stream whose lines end in a bare CR (legal SSE) ends with its last event, not with "malformed event: \\r"', async () => {
    // Found by the property above: the parser kept the final CR waiting for an LF that never came.
    const deltas = ['Hé', 'llo'];
    const chunks = await chunksOf(provider, transcriptOf[provider](deltas, { eol: '\r', comments: false, tight: false }));
    expect(chunks).toEqual(await chunksOf(provider, transcriptOf[provider](deltas, PLAIN_STYLE)));
  });
});
