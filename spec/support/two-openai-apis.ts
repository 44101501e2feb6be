/**
 * One local handler that speaks both OpenAI APIs, for pipeline tests that run the same cases on Chat Completions and
 * Responses: the path decides the format, the prompt is the last user message (`messages` or `input`), and the
 * answer is the prompt upper-cased, one word per delta. Responses bodies and events follow the shapes of
 * openai/openai-node @ 7b7d6ca7, tests/lib/__snapshots__/ResponseStream.test.ts.snap (see
 * spec/fixtures/openai-responses-stream.sse); the in-stream errors are those of spec/fixtures/responses-fixtures.ts.
 */
import { completionBody, deltaEvent, sseData, streamTranscript } from './openai-transcripts.js';
import { responsesOverloadedEvents } from '../fixtures/responses-fixtures.js';
import type { RecordedRequest } from './local-server.js';

export type OpenAIApi = 'chat' | 'responses';

/** The prompt a recorded request carries, whichever API it went to. */
export function promptOf(request: Pick<RecordedRequest, 'body'>): string {
  const body = request.body as { messages?: { role: string; content: string }[]; input?: { role: string; content: string }[] };
  const items = body.messages ?? body.input ?? [];
  return items.filter((item) => item.role === 'user').at(-1)?.content ?? '';
}

/** Whether the request asked for a stream. */
export const isStream = (request: Pick<RecordedRequest, 'body'>): boolean => (request.body as { stream?: boolean }).stream === true;

/** The words of the answer to `prompt`, as deltas. */
export const piecesOf = (prompt: string): string[] => prompt.toUpperCase().split(' ').map((word, index) => (index === 0 ? word : ` ${word}`));

/** A complete non-stream answer of `api`. */
export function answerBody(api: OpenAIApi, text: string): Record<string, unknown> {
  return api === 'chat' ? completionBody(text) : responseObject(text, 'completed');
}

/** A whole stream answering `pieces` in `api`'s format. */
export function answerStream(api: OpenAIApi, pieces: readonly string[]): string {
  if (api === 'chat') return streamTranscript(pieces);
  return responsesHead() + pieces.map(textDelta).join('') + responsesEvent('response.completed', { response: responseObject(pieces.join(''), 'completed') });
}

/** One text delta event of `api` (for streams cut after their first chunk). */
export function textDeltaOf(api: OpenAIApi, text: string): string {
  return api === 'chat' ? deltaEvent(text) : textDelta(text);
}

/**
 * An error inside a 200 stream before any text: Chat Completions' `data: {"error": …}` (as gateways and OpenAI send
 * it mid-stream), Responses' recorded overload (`error` right after `response.in_progress`, then `response.failed`).
 */
export function overloadedStream(api: OpenAIApi): string {
  if (api === 'chat') return sseData({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } });
  return responsesOverloadedEvents.map((event) => sseData(event)).join('');
}

function responsesHead(): string {
  return (
    responsesEvent('response.created', { response: responseObject('', 'in_progress') }) +
    responsesEvent('response.output_item.added', { output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: [] } }) +
    responsesEvent('response.content_part.added', { item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } })
  );
}

function textDelta(delta: string): string {
  return responsesEvent('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta, logprobs: [] });
}

function responsesEvent(type: string, fields: Record<string, unknown>): string {
  return sseData({ type, ...fields });
}

function responseObject(text: string, status: string): Record<string, unknown> {
  const done = status !== 'in_progress';
  return {
    id: 'resp_test',
    object: 'response',
    created_at: 1_730_000_000,
    model: 'test-model',
    status,
    output: done ? [{ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] }] : [],
    error: null,
    incomplete_details: null,
    usage: done ? { input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 8 } : null,
  };
}
