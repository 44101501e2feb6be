import { openaiWire } from './openai-wire.js';
import { readOpenAIRequest } from './read-chat-request.js';
import { groupPieces, type MockAnswer, repeatToBlock, type StreamParts, type WireFormat } from './wire-format.js';

/** The overload message of the recorded in-stream error (REAL-WORLD.md, "Service tiers", last item). */
const OVERLOADED = 'Our servers are currently overloaded. Please try again later. (injected fault)';

/**
 * OpenAI's Responses API wire format (`POST /v1/responses`), after openai/openai-openapi (`Response`, the
 * `ResponseStreamEvent` types) and the streams of openai/openai-node @ 7b7d6ca7
 * (tests/lib/__snapshots__/ResponseStream.test.ts.snap): `event:` + `data:` pairs from `response.created` to
 * `response.completed` (or `response.incomplete` when `max_output_tokens` cut the answer), no `data: [DONE]`.
 * Errors, rate-limit headers and request ids are those of Chat Completions. Requests are read by translating them
 * to the Chat Completions shape the mock already reads (`instructions` → system message, `input` items → messages,
 * `max_output_tokens`, `text.format`). The `stream-error-event` fault is the recorded in-stream overload:
 * `response.created`, `response.in_progress`, an `error` event with nested `service_unavailable_error` /
 * `server_is_overloaded`, then `response.failed` (a JSON request gets a 200 `response` whose `status` is `failed`).
 */
export const responsesWire: WireFormat = {
  provider: 'openai',
  requestIdHeader: 'x-request-id',
  read: (body) => readOpenAIRequest(toChatShape(body)),

  completion(answer: MockAnswer): string {
    return JSON.stringify(responseObject(answer, answer.finish === 'length' ? 'incomplete' : 'completed', true));
  },

  stream(answer: MockAnswer, chunkTokens: number): StreamParts {
    const id = `msg_${answer.id}`;
    const refusal = answer.refusal === true;
    const partType = refusal ? 'refusal' : 'output_text';
    const emptyPart = refusal ? { type: 'refusal', refusal: '' } : { type: 'output_text', text: '', annotations: [] };
    let sequence = 0;
    const event = (type: string, fields: Record<string, unknown>): string =>
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`;
    const where = { item_id: id, output_index: 0, content_index: 0 };
    const head =
      event('response.created', { response: responseObject(answer, 'in_progress', false) }) +
      event('response.in_progress', { response: responseObject(answer, 'in_progress', false) }) +
      event('response.output_item.added', { output_index: 0, item: { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] } }) +
      event('response.content_part.added', { ...where, part: emptyPart });
    const deltaType = refusal ? 'response.refusal.delta' : 'response.output_text.delta';
    const content = groupPieces(answer.pieces, chunkTokens).map((delta) => event(deltaType, refusal ? { ...where, delta } : { ...where, delta, logprobs: [] }));
    const done = responseObject(answer, answer.finish === 'length' ? 'incomplete' : 'completed', true);
    const text = answer.pieces.join('');
    const tail =
      event(`response.${partType}.done`, refusal ? { ...where, refusal: text } : { ...where, text, logprobs: [] }) +
      event('response.content_part.done', { ...where, part: partOf(answer) }) +
      event('response.output_item.done', { output_index: 0, item: (done.output as unknown[])[0] }) +
      event(done.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: done });
    return { head, content, tail };
  },

  errorBody: openaiWire.errorBody,

  errorEvent(model: string, stream: boolean): string {
    const failed = { id: 'resp_overloaded', object: 'response', created_at: 0, model, status: 'failed', output: [], error: { code: 'server_error', message: OVERLOADED }, incomplete_details: null };
    if (!stream) return JSON.stringify(failed);
    const started = { ...failed, status: 'in_progress', error: null };
    const event = (type: string, sequence: number, fields: Record<string, unknown>): string =>
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence, ...fields })}\n\n`;
    return (
      event('response.created', 0, { response: started }) +
      event('response.in_progress', 1, { response: started }) +
      event('error', 2, { error: { type: 'service_unavailable_error', code: 'server_is_overloaded', message: OVERLOADED, param: null } }) +
      event('response.failed', 3, { response: failed })
    );
  },
  addRateLimitHeaders: openaiWire.addRateLimitHeaders,
  malformedJson: '{"id":"resp_malformed","object":"response","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"Re: unterminated',
  malformedStream: 'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_malformed","status":"in_progress\n\n',
  // The message item and its text part open before the deltas, as in a real stream, so a client that rebuilds the
  // response from events (openai-node's `responses.stream()`) reads the deltas instead of failing on a missing item.
  endlessStreamHead:
    'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_endless","object":"response","model":"mock-model","status":"in_progress","output":[]}}\n\n' +
    'event: response.output_item.added\ndata: {"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_endless","type":"message","status":"in_progress","role":"assistant","content":[]}}\n\n' +
    'event: response.content_part.added\ndata: {"type":"response.content_part.added","sequence_number":2,"item_id":"msg_endless","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}\n\n',
  endlessStreamBlock: repeatToBlock(
    'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"msg_endless","output_index":0,"content_index":0,"delta":" endless","logprobs":[]}\n\n',
  ),
};

function partOf(answer: MockAnswer): Record<string, unknown> {
  const text = answer.pieces.join('');
  return answer.refusal === true ? { type: 'refusal', refusal: text } : { type: 'output_text', text, annotations: [] };
}

/** A `response` object; with `finished`, its output message and usage (cached and reasoning parts of the totals). */
function responseObject(answer: MockAnswer, status: string, finished: boolean): Record<string, unknown> {
  const input = answer.request.inputTokens;
  const output = finished ? answer.pieces.length : 0;
  return {
    id: `resp_${answer.id}`,
    object: 'response',
    created_at: answer.created,
    status,
    model: answer.model,
    output: finished ? [{ id: `msg_${answer.id}`, type: 'message', status: 'completed', role: 'assistant', content: [partOf(answer)] }] : [],
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    store: false,
    service_tier: answer.serviceTier,
    usage: finished
      ? {
          input_tokens: input,
          input_tokens_details: { cached_tokens: answer.cachedTokens },
          output_tokens: output,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: input + output,
        }
      : null,
  };
}

/** A Responses request in the Chat Completions shape `readOpenAIRequest` reads; what it cannot map is left for it to refuse. */
function toChatShape(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  const input = typeof record.input === 'string' ? [{ role: 'user', content: record.input }] : record.input;
  const messages = Array.isArray(input) ? input.map(toChatMessage) : input;
  const format = (record.text as { format?: Record<string, unknown> } | undefined)?.format;
  return {
    model: record.model,
    messages: typeof record.instructions === 'string' && Array.isArray(messages) ? [{ role: 'system', content: record.instructions }, ...messages] : messages,
    stream: record.stream,
    stream_options: { include_usage: true },
    ...(record.service_tier === undefined ? {} : { service_tier: record.service_tier }),
    ...(record.max_output_tokens === undefined ? {} : { max_tokens: record.max_output_tokens }),
    ...(format?.type === 'json_schema' ? { response_format: { type: 'json_schema', json_schema: { name: format.name, schema: format.schema } } } : {}),
    ...(format?.type === 'json_object' ? { response_format: { type: 'json_object' } } : {}),
  };
}

function toChatMessage(item: unknown): unknown {
  if (typeof item !== 'object' || item === null) return item;
  const { role, content } = item as { role?: unknown; content?: unknown };
  if (!Array.isArray(content)) return { role, content };
  return {
    role,
    content: content.map((part: { type?: unknown; text?: unknown; image_url?: unknown }) => {
      if (part.type === 'input_text' || part.type === 'output_text') return { type: 'text', text: part.text };
      if (part.type === 'input_image') return { type: 'image_url', image_url: { url: part.image_url } };
      return { type: 'text', text: '' }; // input_file: not read by the mock
    }),
  };
}
