import { InvalidOptionsError } from '../../errors/llm-error.js';
import type { ChatMessage, ContentPart } from '../../types.js';

/** A Chat Completions content part: `text` or `image_url`. */
type OpenAIContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };

/**
 * Maps messages to Chat Completions `messages`: roles as they are (`developer` included), string content as is,
 * parts as `{ type: 'text', text }` and `{ type: 'image_url', image_url: { url, detail? } }` (base64 images as
 * `data:<mediaType>;base64,…` URLs), following the "Image input" example of openai/openai-openapi. `cacheControl`
 * is Anthropic's and is not sent. A document part is refused with `InvalidOptionsError` before anything is sent:
 * Chat Completions takes no PDF documents.
 *
 * @param messages - The resolved messages.
 * @param provider - Provider id, named in the error.
 * @returns The wire messages.
 *
 * @example
 * ```ts
 * toOpenAIMessages([{ role: 'user', content: [{ type: 'image', url: 'https://x/a.png' }] }], 'openai');
 * // [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/a.png' } }] }]
 * ```
 */
export function toOpenAIMessages(messages: readonly ChatMessage[], provider: string): Array<{ role: string; content: string | OpenAIContentPart[] }> {
  return messages.map(({ role, content }, index) => ({
    role,
    content: typeof content === 'string' ? content : content.map((part, partIndex) => toPart(part, provider, `messages[${index}].content[${partIndex}]`)),
  }));
}

function toPart(part: ContentPart, provider: string, where: string): OpenAIContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.type === 'image') {
    const url = part.url ?? `data:${part.mediaType};base64,${part.data}`;
    return { type: 'image_url', image_url: { url, ...(part.detail === undefined ? {} : { detail: part.detail }) } };
  }
  throw new InvalidOptionsError(
    `${provider}: ${where} is a document part, which an OpenAI-compatible chat model cannot take (text and images only); send documents to an Anthropic model.`,
    { provider },
  );
}
