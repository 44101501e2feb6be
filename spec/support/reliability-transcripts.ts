/**
 * SSE transcripts built from arbitrary text deltas, in every framing the SSE spec allows (LF, CRLF or CR line ends,
 * comments and unknown-but-legal fields between events, `data:` with or without a space), and the byte offsets
 * where a cut falls inside a multi-byte UTF-8 character.
 *
 * ```ts
 * const transcript = openAITranscript(['Hé', 'llo 🇵🇪'], { eol: '\r\n', comments: true, tight: false });
 * const inside = continuationOffsets(Buffer.from(transcript)); // cuts that split a character
 * ```
 */
import fc from 'fast-check';

/** How a transcript is framed. The chunks it yields must not depend on any of this. */
export interface SseStyle {
  /** Line terminator. */
  eol: '\n' | '\r\n' | '\r';
  /** Adds `: keep-alive` comments and `id:` fields between events. */
  comments: boolean;
  /** `data:{…}` without the optional space. */
  tight: boolean;
}

/** The canonical framing: what a reference delivery uses. */
export const PLAIN_STYLE: SseStyle = { eol: '\n', comments: false, tight: false };

/** Arbitrary framings. */
export const sseStyleArbitrary: fc.Arbitrary<SseStyle> = fc.record({
  eol: fc.constantFrom<SseStyle['eol']>('\n', '\r\n', '\r'),
  comments: fc.boolean(),
  tight: fc.boolean(),
});

/** Arbitrary deltas: any graphemes (accents, CJK, emoji, flags, ZWJ sequences), newlines, quotes and SSE look-alikes. */
export const deltasArbitrary: fc.Arbitrary<string[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom('data: [DONE]', '\n\n', '\r\n', 'event: error', '"}\\', 'é', '日本語', '🇵🇪', '👩‍👩‍👧', '\u0000') },
  ),
  { minLength: 1, maxLength: 12 },
);

/** An OpenAI Chat Completions stream answering `deltas`: role chunk, one chunk per delta, finish, usage, `[DONE]`. */
export function openAITranscript(deltas: readonly string[], style: SseStyle = PLAIN_STYLE): string {
  const base = { id: 'chatcmpl-fuzz', object: 'chat.completion.chunk', created: 1, model: 'fuzz-model' };
  const events: Event[] = [{ data: JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }) }];
  for (const text of deltas) events.push({ data: JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }) });
  events.push({ data: JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) });
  events.push({ data: JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 7, completion_tokens: deltas.length, total_tokens: 7 + deltas.length } }) });
  events.push({ data: '[DONE]' });
  return frame(events, style);
}

/** An Anthropic Messages stream answering `deltas`, with a `ping`, as the API sends it. */
export function anthropicTranscript(deltas: readonly string[], style: SseStyle = PLAIN_STYLE): string {
  const events: Event[] = [
    {
      event: 'message_start',
      data: JSON.stringify({
        type: 'message_start',
        message: { id: 'msg_fuzz', type: 'message', role: 'assistant', content: [], model: 'claude-fuzz', stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } },
      }),
    },
    { event: 'content_block_start', data: JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) },
    { event: 'ping', data: JSON.stringify({ type: 'ping' }) },
  ];
  for (const text of deltas) {
    events.push({ event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }) });
  }
  events.push({ event: 'content_block_stop', data: JSON.stringify({ type: 'content_block_stop', index: 0 }) });
  events.push({
    event: 'message_delta',
    data: JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: deltas.length + 1 } }),
  });
  events.push({ event: 'message_stop', data: JSON.stringify({ type: 'message_stop' }) });
  return frame(events, style);
}

/** Offsets `i` (0 < i < length) where `buffer[i]` continues a multi-byte UTF-8 character: a cut there splits it. */
export function continuationOffsets(buffer: Buffer): number[] {
  const offsets: number[] = [];
  for (let i = 1; i < buffer.length; i += 1) if (((buffer[i] as number) & 0xc0) === 0x80) offsets.push(i);
  return offsets;
}

/**
 * Arbitrary cut points for `buffer`: any offsets, plus (when there are any) offsets inside multi-byte characters and
 * right between a CR and an LF. Sorted, unique, strictly inside the buffer.
 */
export function cutsArbitrary(buffer: Buffer): fc.Arbitrary<number[]> {
  const tricky = [...continuationOffsets(buffer)];
  for (let i = 1; i < buffer.length; i += 1) if (buffer[i - 1] === 0x0d && buffer[i] === 0x0a) tricky.push(i);
  const anywhere = buffer.length > 1 ? fc.integer({ min: 1, max: buffer.length - 1 }) : fc.constant(1);
  const pick = tricky.length === 0 ? anywhere : fc.oneof(anywhere, fc.constantFrom(...tricky));
  return fc.uniqueArray(pick, { maxLength: 40 }).map((cuts) => cuts.filter((cut) => cut > 0 && cut < buffer.length).sort((a, b) => a - b));
}

interface Event {
  event?: string;
  data: string;
}

function frame(events: readonly Event[], style: SseStyle): string {
  const { eol } = style;
  const colon = style.tight ? 'data:' : 'data: ';
  let out = style.comments ? `: stream opened${eol}retry: 3000${eol}${eol}` : '';
  events.forEach((event, index) => {
    if (style.comments) out += `: keep-alive ${index}${eol}`;
    if (event.event !== undefined) out += `event:${style.tight ? '' : ' '}${event.event}${eol}`;
    if (style.comments) out += `id: ${index}${eol}`;
    out += `${colon}${event.data}${eol}${eol}`;
  });
  return out;
}
