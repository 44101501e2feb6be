import type { CacheControl, ContentPart } from '../../types.js';

/** A Messages API content block as rxllm sends it: `text`, `image` or `document`. */
export type AnthropicBlock = Record<string, unknown> & { type: 'text' | 'image' | 'document' };

/**
 * Maps content to Messages API blocks: text as `{ type: 'text', text }`, images as `{ type: 'image', source }` and
 * PDFs as `{ type: 'document', source, title? }`, where `source` is `{ type: 'base64', media_type, data }` or
 * `{ type: 'url', url }` (anthropics/anthropic-sdk-typescript `Base64ImageSource`, `URLImageSource`,
 * `Base64PDFSource`, `URLPDFSource`), and `cacheControl` as `cache_control`. A string is one text block.
 *
 * @param content - A message's content.
 * @returns The blocks, in order.
 *
 * @example
 * ```ts
 * toAnthropicBlocks([{ type: 'image', url: 'https://x/a.png' }]);
 * // [{ type: 'image', source: { type: 'url', url: 'https://x/a.png' } }]
 * ```
 */
export function toAnthropicBlocks(content: string | readonly ContentPart[]): AnthropicBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part) => {
    const block: AnthropicBlock =
      part.type === 'text'
        ? { type: 'text', text: part.text }
        : {
            type: part.type,
            source: part.url === undefined ? { type: 'base64', media_type: part.mediaType, data: part.data } : { type: 'url', url: part.url },
            ...(part.type === 'document' && part.title !== undefined ? { title: part.title } : {}),
          };
    return part.cacheControl === undefined ? block : { ...block, cache_control: toCacheControl(part.cacheControl) };
  });
}

function toCacheControl(cacheControl: CacheControl): Record<string, unknown> {
  return cacheControl.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: cacheControl.ttl };
}
