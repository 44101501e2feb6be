import { describe, expect, it } from 'vitest';
import { estimateInputTokens } from '../../src/model/estimate-tokens.js';
import { estimateTextTokens } from '../../src/model/estimate-text-tokens.js';
import type { ChatMessage } from '../../src/types.js';

const base = estimateInputTokens([{ role: 'user', content: '' }]);
const withPart = (part: Exclude<ChatMessage['content'], string>[number]) => estimateInputTokens([{ role: 'user', content: [part] }]) - base;

describe('estimateInputTokens()', () => {
  it("counts a message's text with estimateTextTokens, plus a few tokens per message", () => {
    expect(estimateInputTokens([{ role: 'user', content: 'What is the capital of Peru?' }])).toBe(base + estimateTextTokens('What is the capital of Peru?'));
    expect(estimateInputTokens([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }])).toBe(2 * base - 3 + 2 * estimateTextTokens('a'));
  });

  it('counts text parts like strings', () => {
    expect(estimateInputTokens([{ role: 'user', content: [{ type: 'text', text: 'What is the ' }, { type: 'text', text: 'capital of Peru?' }] }]))
      .toBe(estimateInputTokens([{ role: 'user', content: 'What is the capital of Peru?' }]));
  });

  it('reserves a full-size image (1,600 tokens) when the size is unknown', () => {
    expect(withPart({ type: 'image', url: 'https://x/a.png' })).toBe(1600);
  });

  it('takes the larger of OpenAI’s tile count and Anthropic’s (w × h) / 750 when the size is known', () => {
    // 1024 × 1024: OpenAI scales to 768 × 768, 4 tiles → 85 + 4 × 170 = 765; Anthropic ⌈1024² / 750⌉ = 1399
    expect(withPart({ type: 'image', url: 'https://x/a.png', width: 1024, height: 1024 })).toBe(1399);
    // 4000 × 500: OpenAI scales to 2048 × 256, 4 × 1 tiles → 765; Anthropic scales to 1568 × 196 → ⌈307 328 / 750⌉ = 410
    expect(withPart({ type: 'image', url: 'https://x/a.png', width: 4000, height: 500 })).toBe(765);
    // 3000 × 3000: OpenAI 768 × 768 → 765; Anthropic capped at 1,600 (its resize target of about 1.15 megapixels)
    expect(withPart({ type: 'image', url: 'https://x/a.png', width: 3000, height: 3000 })).toBe(1600);
    // detail 'low' is a flat 85 for OpenAI (Anthropic ignores it; its 14 is smaller)
    expect(withPart({ type: 'image', url: 'https://x/a.png', width: 100, height: 100, detail: 'low' })).toBe(85);
    // 100 × 100: OpenAI one tile, 255; Anthropic 14
    expect(withPart({ type: 'image', url: 'https://x/a.png', width: 100, height: 100 })).toBe(255);
  });

  it('counts documents per page: given pages, else one page per 50 kB of PDF', () => {
    expect(withPart({ type: 'document', url: 'https://x/a.pdf', pages: 3 })).toBe(3 * 3000);
    expect(withPart({ type: 'document', url: 'https://x/a.pdf' })).toBe(3000);
    const pdf = Buffer.alloc(120_000).toString('base64');
    expect(withPart({ type: 'document', data: pdf, mediaType: 'application/pdf' })).toBe(3 * 3000);
  });
});
