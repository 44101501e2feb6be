import type { ChatMessage, ContentPart } from '../../types.js';

/** A Responses API input content part: `input_text`, `input_image` or `input_file`. */
type ResponsesContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url: string; detail: 'auto' | 'low' | 'high' }
  | { type: 'input_file'; file_url: string }
  | { type: 'input_file'; filename: string; file_data: string };

/** One Responses API input message item (the "EasyInputMessage" of openai/openai-openapi). */
export interface ResponsesInputMessage {
  role: string;
  content: string | ResponsesContentPart[];
}

/** What `toResponsesInput` makes of the messages: the leading system text and the input items. */
export interface ResponsesInput {
  /** The leading `system` messages' text, joined by blank lines, for the `instructions` field. */
  instructions?: string;
  input: ResponsesInputMessage[];
}

/**
 * Maps messages to a Responses API request's `instructions` and `input` items. The leading `system` messages with
 * string content become `instructions`; every other message is an input item with its own role (`developer` and a
 * later `system` stay items, in order). Parts follow openai/openai-openapi (`InputTextContent`, `InputImageContent`
 * with `detail` required, default `auto`; `InputFileContent` for PDF documents by `file_url` or as a `file_data` data
 * URL). An assistant message's parts are sent as their joined text, the shape replayed history takes with
 * `store: false` (no item ids). `cacheControl` is Anthropic's and is not sent.
 *
 * @param messages - The resolved messages.
 * @returns The instructions (when any) and the input items.
 *
 * @example
 * ```ts
 * toResponsesInput([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]);
 * // { instructions: 'Be brief.', input: [{ role: 'user', content: 'Hi' }] }
 * ```
 */
export function toResponsesInput(messages: readonly ChatMessage[]): ResponsesInput {
  let first = 0;
  const system: string[] = [];
  while (first < messages.length && messages[first]!.role === 'system' && typeof messages[first]!.content === 'string') {
    system.push(messages[first]!.content as string);
    first += 1;
  }
  const input = messages.slice(first).map(({ role, content }): ResponsesInputMessage => {
    if (typeof content === 'string') return { role, content };
    if (role === 'assistant') return { role, content: content.map((part) => (part.type === 'text' ? part.text : '')).join('') };
    return { role, content: content.map(toPart) };
  });
  return system.length === 0 ? { input } : { instructions: system.join('\n\n'), input };
}

function toPart(part: ContentPart, index: number): ResponsesContentPart {
  if (part.type === 'text') return { type: 'input_text', text: part.text };
  if (part.type === 'image') {
    return { type: 'input_image', image_url: part.url ?? `data:${part.mediaType};base64,${part.data}`, detail: part.detail ?? 'auto' };
  }
  if (part.url !== undefined) return { type: 'input_file', file_url: part.url };
  return { type: 'input_file', filename: part.title ?? `document-${index}.pdf`, file_data: `data:${part.mediaType};base64,${part.data}` };
}
