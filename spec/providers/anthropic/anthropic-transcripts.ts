/**
 * Anthropic Messages wire bodies for tests, shaped as in Anthropic's API reference (messages, streaming events,
 * error bodies). Recorded fixtures live in `spec/fixtures/anthropic-*`.
 */

export interface AnthropicWireOptions {
  model?: string;
  stopReason?: string | null;
  inputTokens?: number;
  outputTokens?: number;
}

/** A `message` body answering `text`. */
export function messageBody(text: string, options: AnthropicWireOptions = {}): Record<string, unknown> {
  const { model = 'claude-test', stopReason = 'end_turn', inputTokens = 11, outputTokens = 7 } = options;
  return {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  };
}

/** A `message` body whose answer is a `tool_use` block. */
export function toolMessageBody(name: string, input: unknown, options: AnthropicWireOptions = {}): Record<string, unknown> {
  const { model = 'claude-test', inputTokens = 40, outputTokens = 12 } = options;
  return {
    id: 'msg_tool',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'tool_use', id: 'toolu_test', name, input }],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  };
}

/** Anthropic's error body. */
export function errorBody(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: 'req_error' };
}

/** Serialises events as SSE, each with its `event:` name taken from its `type`. */
export function sse(events: ReadonlyArray<Record<string, unknown>>): string {
  return events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}

/** The events of a streamed text answer. */
export function textStreamEvents(pieces: readonly string[], options: AnthropicWireOptions = {}): Array<Record<string, unknown>> {
  const { model = 'claude-test', stopReason = 'end_turn', inputTokens = 11, outputTokens = pieces.length } = options;
  return [
    {
      type: 'message_start',
      message: { id: 'msg_s', type: 'message', role: 'assistant', content: [], model, stop_reason: null, usage: { input_tokens: inputTokens, output_tokens: 1 } },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ...pieces.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } },
    { type: 'message_stop' },
  ];
}

/** A streamed text answer as an SSE transcript. */
export function textStream(pieces: readonly string[], options: AnthropicWireOptions = {}): string {
  return sse(textStreamEvents(pieces, options));
}
