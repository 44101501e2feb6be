import type { ChatMessage, ContentPart, DocumentPart, ImagePart } from '../types.js';
import { estimateTextTokens } from './estimate-text-tokens.js';

/** Tokens a chat format spends on each message's framing. */
const TOKENS_PER_MESSAGE = 4;
/**
 * An image of unknown size: Anthropic resizes images to about 1.15 megapixels, about 1,600 tokens (its vision
 * guide), which is also above OpenAI's most for a high-detail image at its usual sizes (765 for a square).
 */
const IMAGE_TOKENS_UNKNOWN_SIZE = 1600;
/** Anthropic's most for one image (the size it resizes larger images down to). */
const ANTHROPIC_IMAGE_MAX_TOKENS = 1600;
/**
 * One PDF page: Anthropic sends each page as text and as an image, "1,500 to 3,000 tokens per page" (its PDF
 * support guide); the upper figure, since the limiter corrects from the real usage afterwards.
 */
const DOCUMENT_TOKENS_PER_PAGE = 3000;
/** Page count assumed per 50 kB of a PDF whose `pages` is not given. */
const PDF_BYTES_PER_PAGE = 50_000;

/**
 * Estimates the input tokens of a conversation without a tokenizer (rxllm downloads nothing): each text by
 * `estimateTextTokens` (script-aware, an upper estimate: on the texts it was checked on, never below what Llama 2's,
 * o200k_base's or cl100k_base's tokenizer counts, and at most twice that), plus 4 per message and 3 per request for
 * the chat format. Rate limiters and budgets reserve this before sending and correct it from the usage the server
 * reports.
 *
 * Images count the larger of OpenAI's high-detail tiles (85 + 170 per 512-px tile after fitting 2048 × 2048 and
 * a 768-px short side; a flat 85 for `detail: 'low'`) and Anthropic's `width × height / 750` (at most 1,600) when
 * `width` and `height` are given, else 1,600. Documents count 3,000 tokens per page: `pages` when given, else one
 * page per 50 kB of base64 PDF data (one page for a URL).
 *
 * @example
 * ```ts
 * import { estimateInputTokens } from 'rxllm';
 * console.log(estimateInputTokens([{ role: 'user', content: 'What is the capital of Peru?' }])); // 19
 * console.log(estimateInputTokens([{ role: 'user', content: [{ type: 'image', url: 'https://example.com/a.png' }] }])); // 1607
 * ```
 */
export function estimateInputTokens(messages: readonly ChatMessage[]): number {
  let total = 3;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE;
    const { content } = message;
    if (typeof content === 'string') total += estimateTextTokens(content);
    else {
      let text = '';
      for (const part of content) {
        if (part.type === 'text') text += part.text;
        else total += partTokens(part);
      }
      total += estimateTextTokens(text);
    }
  }
  return total;
}

function partTokens(part: Exclude<ContentPart, { type: 'text' }>): number {
  return part.type === 'image' ? imageTokens(part) : documentTokens(part);
}

function imageTokens(part: ImagePart): number {
  const { width, height } = part;
  if (width === undefined || height === undefined) return IMAGE_TOKENS_UNKNOWN_SIZE;
  return Math.max(openAIImageTokens(width, height, part.detail), anthropicImageTokens(width, height));
}

/** OpenAI's vision pricing: fit within 2048 × 2048, shrink the short side to 768, then 170 per 512-px tile + 85. */
function openAIImageTokens(width: number, height: number, detail: ImagePart['detail']): number {
  if (detail === 'low') return 85;
  let scale = Math.min(1, 2048 / Math.max(width, height));
  const shortSide = Math.min(width, height) * scale;
  if (shortSide > 768) scale *= 768 / shortSide;
  return 85 + 170 * Math.ceil((width * scale) / 512) * Math.ceil((height * scale) / 512);
}

/** Anthropic's vision guide: `width × height / 750`, with the long edge at most 1568 px and at most about 1,600. */
function anthropicImageTokens(width: number, height: number): number {
  const scale = Math.min(1, 1568 / Math.max(width, height));
  return Math.min(ANTHROPIC_IMAGE_MAX_TOKENS, Math.ceil((width * scale * (height * scale)) / 750));
}

function documentTokens(part: DocumentPart): number {
  if (part.pages !== undefined) return part.pages * DOCUMENT_TOKENS_PER_PAGE;
  if (part.data === undefined) return DOCUMENT_TOKENS_PER_PAGE;
  const bytes = Math.floor((part.data.length * 3) / 4);
  return Math.max(1, Math.ceil(bytes / PDF_BYTES_PER_PAGE)) * DOCUMENT_TOKENS_PER_PAGE;
}
