/**
 * OpenAI wire bodies for tests: recorded fixtures from `spec/fixtures/openai-*` and small builders.
 *
 * ```ts
 * server.handle(respond.json(200, completionBody('Paris')));
 * server.handle(respond.sse(streamTranscript(['Par', 'is'])));
 * const transcript = readFixture('openai-stream.sse');
 * ```
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads a file of `spec/fixtures/` as UTF-8 text. */
export function readFixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8');
}

/** Options of the builders. */
export interface WireOptions {
  model?: string;
  finishReason?: string | null;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

/** A `chat.completion` body answering `text`. */
export function completionBody(text: string, options: WireOptions = {}): Record<string, unknown> {
  const { model = 'test-model', finishReason = 'stop', usage = { prompt_tokens: 5, completion_tokens: 3 } } = options;
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_730_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason }],
    ...(usage === null ? {} : { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
  };
}

/** One `data:` event line pair for a chunk object. */
export function sseData(value: unknown): string {
  return `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`;
}

/** A chunk event carrying one text delta. */
export function deltaEvent(text: string, model = 'test-model'): string {
  return sseData({ id: 'chatcmpl-test', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
}

/**
 * A full stream transcript: a role chunk, one chunk per piece, a finish chunk, a usage chunk (empty `choices`) and
 * `[DONE]`, as OpenAI sends it with `stream_options.include_usage`.
 */
export function streamTranscript(pieces: readonly string[], options: WireOptions & { done?: boolean } = {}): string {
  const { model = 'test-model', finishReason = 'stop', usage = { prompt_tokens: 5, completion_tokens: pieces.length }, done = true } = options;
  const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', model };
  let out = sseData({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
  for (const piece of pieces) out += deltaEvent(piece, model);
  if (finishReason !== null) out += sseData({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finishReason }] });
  if (usage !== null) out += sseData({ ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
  if (done) out += 'data: [DONE]\n\n';
  return out;
}
