import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors/llm-error.js';
import { resolvePrompt } from '../../src/model/resolve-prompt.js';
import type { ChatMessage } from '../../src/types.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function problem(prompt: unknown): string {
  try {
    resolvePrompt(prompt as ChatMessage[], 'm', [], 'prompts[2]');
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return (error as Error).message;
  }
  throw new Error('expected the prompt to be refused');
}

describe('content parts and the developer role in prompts', () => {
  it('accepts text, image (URL and base64) and document parts, cacheControl, and the developer role', () => {
    const messages: ChatMessage[] = [
      { role: 'developer', content: 'Label the picture.' },
      { role: 'system', content: [{ type: 'text', text: 'A long, cached instruction.', cacheControl: { type: 'ephemeral' } }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image', url: 'https://example.com/cat.jpg', detail: 'low' },
          { type: 'image', data: PNG, mediaType: 'image/png', width: 1, height: 1 },
          { type: 'document', data: 'JVBERi0xLjQK', mediaType: 'application/pdf', title: 'Report', cacheControl: { type: 'ephemeral', ttl: '1h' } },
          { type: 'document', url: 'https://example.com/report.pdf' },
        ],
      },
    ];
    expect(resolvePrompt(messages, 'm', []).messages).toEqual(messages);
    expect(resolvePrompt({ messages }, 'm', []).messages).toEqual(messages);
  });

  it.each([
    [[{ role: 'user', content: [] }], 'prompts[2][0].content: expected at least one part'],
    [[{ role: 'user', content: [{ type: 'video', url: 'https://x' }] }], 'prompts[2][0].content[0].type'],
    [[{ role: 'user', content: [{ type: 'text' }] }], 'prompts[2][0].content[0].text'],
    [[{ role: 'user', content: [{ type: 'image' }] }], 'prompts[2][0].content[0]: expected either url or data'],
    [[{ role: 'user', content: [{ type: 'image', url: 'https://x/a.png', data: PNG, mediaType: 'image/png' }] }], 'prompts[2][0].content[0]: expected either url or data'],
    [[{ role: 'user', content: [{ type: 'image', url: 'ftp://x/a.png' }] }], 'prompts[2][0].content[0].url: expected an http(s) URL'],
    [[{ role: 'user', content: [{ type: 'image', data: PNG }] }], 'prompts[2][0].content[0].mediaType'],
    [[{ role: 'user', content: [{ type: 'image', data: PNG, mediaType: 'image/tiff' }] }], 'prompts[2][0].content[0].mediaType'],
    [[{ role: 'user', content: [{ type: 'image', data: 'not base64!', mediaType: 'image/png' }] }], 'prompts[2][0].content[0].data: expected base64'],
    [[{ role: 'user', content: [{ type: 'image', url: 'https://x/a.png', width: -3 }] }], 'prompts[2][0].content[0].width'],
    [[{ role: 'user', content: [{ type: 'document', data: 'JVBERi0xLjQK', mediaType: 'image/png' }] }], 'prompts[2][0].content[0].mediaType'],
    [[{ role: 'user', content: [{ type: 'text', text: 'x', cacheControl: { type: 'forever' } }] }], 'prompts[2][0].content[0].cacheControl.type'],
    [[{ role: 'user', content: [{ type: 'text', text: 'x', colour: 'red' }] }], 'prompts[2][0].content[0]: Unrecognized key: "colour"'],
    [[{ role: 'system', content: [{ type: 'image', url: 'https://x/a.png' }] }], 'prompts[2][0].content[0]: only user messages may hold image or document parts'],
    [[{ role: 'assistant', content: [{ type: 'document', url: 'https://x/a.pdf' }] }], 'prompts[2][0].content[0]: only user messages may hold image or document parts'],
    [[{ role: 'tool', content: 'x' }], 'prompts[2][0].role'],
  ])('refuses %j naming the field', (prompt, message) => {
    expect(problem(prompt)).toContain(message);
  });
});
