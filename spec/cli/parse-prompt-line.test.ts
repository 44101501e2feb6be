import { describe, expect, it } from 'vitest';
import { parsePromptLine } from '../../src/cli/parse-prompt-line.js';

describe('parsePromptLine', () => {
  it('reads a JSON string as one user message with a line-number id', () => {
    expect(parsePromptLine('"Capital of Peru?"', 3)).toEqual({
      kind: 'prompt',
      id: 'line-3',
      index: 2,
      lineNumber: 3,
      prompt: 'Capital of Peru?',
    });
  });

  it('reads an array of messages', () => {
    const line = JSON.stringify([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(parsePromptLine(line, 1)).toMatchObject({ id: 'line-1', prompt: [{ role: 'system' }, { role: 'user' }] });
  });

  it('reads objects with id, prompt or messages, params and meta', () => {
    expect(parsePromptLine('{"id":"q1","prompt":"Hi","meta":{"row":7}}', 1)).toEqual({
      kind: 'prompt',
      id: 'q1',
      index: 0,
      lineNumber: 1,
      prompt: 'Hi',
      meta: { row: 7 },
    });
    expect(parsePromptLine('{"id":42,"prompt":"Hi","params":{"temperature":0,"maxTokens":5}}', 2)).toEqual({
      kind: 'prompt',
      id: 42,
      index: 1,
      lineNumber: 2,
      prompt: { messages: [{ role: 'user', content: 'Hi' }], params: { temperature: 0, maxTokens: 5 } },
    });
    expect(parsePromptLine('{"messages":[{"role":"user","content":"Hi"}]}', 9)).toMatchObject({
      id: 'line-9',
      prompt: [{ role: 'user', content: 'Hi' }],
    });
  });

  it('reads the common {id, prompt, meta} line the same whatever the id (no schema on that path, issue 25)', () => {
    const base = { kind: 'prompt', index: 2, lineNumber: 3, prompt: 'Hi' };
    expect(parsePromptLine('{"prompt":"Hi"}', 3)).toEqual({ ...base, id: 'line-3' });
    expect(parsePromptLine('{"id":"doc-0000001","prompt":"Hi"}', 3)).toEqual({ ...base, id: 'doc-0000001' });
    expect(parsePromptLine(`{"id":"${'x'.repeat(1024)}","prompt":"Hi"}`, 3)).toEqual({ ...base, id: 'x'.repeat(1024) });
    expect(parsePromptLine('{"id":-7,"prompt":"Hi","meta":null}', 3)).toEqual({ ...base, id: -7, meta: null });
    expect(parsePromptLine('{"meta":[1,2],"prompt":""}', 3)).toEqual({ ...base, id: 'line-3', prompt: '', meta: [1, 2] });
  });

  it('ignores blank lines', () => {
    expect(parsePromptLine('', 1)).toBeUndefined();
    expect(parsePromptLine('   \t', 1)).toBeUndefined();
  });

  it('names the line and the problem for malformed lines', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"prompt": "unterminated', /^line 4: not valid JSON/],
      ['42', /^line 4: expected a JSON string, an array of messages, or an object/],
      ['{"id":"a"}', /^line 4: expected exactly one of "prompt" or "messages"/],
      ['{"prompt":"a","messages":[]}', /^line 4: expected exactly one of "prompt" or "messages"/],
      ['{"promt":"a"}', /^line 4: unknown field "promt"/],
      ['{"id":"","prompt":"a"}', /^line 4: id: expected a non-empty string/],
      ['{"id":1.5,"prompt":"a"}', /^line 4: id: /],
      ['{"id":9007199254740993,"prompt":"a"}', /^line 4: id: .*safe integer/],
      [`{"id":"${'x'.repeat(1025)}","prompt":"a"}`, /^line 4: id: expected at most 1024 characters/],
      ['{"id":true,"prompt":"a"}', /^line 4: id: /],
      ['{"id":"a","prompt":"b","extra":1}', /^line 4: unknown field "extra"/],
      ['{"prompt":"a","__proto__":{"x":1}}', /^line 4: unknown field "__proto__"/],
      ['{"prompt":"a","params":{"temperature":3}}', /^line 4: params\.temperature: Too big/],
      ['{"prompt":"a","params":{"top_k":3}}', /^line 4: params: unknown parameter top_k/],
      ['{"messages":[{"role":"robot","content":"a"}]}', /^line 4: messages\[0\]\.role/],
      ['[]', /^line 4: messages: expected at least one message/],
    ];
    for (const [text, message] of cases) {
      const parsed = parsePromptLine(text, 4);
      expect(parsed, text).toMatchObject({ kind: 'bad', lineNumber: 4 });
      expect(parsed && parsed.kind === 'bad' ? parsed.message : '', text).toMatch(message);
    }
  });
});
