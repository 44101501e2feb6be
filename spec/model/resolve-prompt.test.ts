import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors/llm-error.js';
import { mergeParams, resolvePrompt } from '../../src/model/resolve-prompt.js';

describe('resolvePrompt', () => {
  it('turns a string into one user message', () => {
    expect(resolvePrompt('Hi', 'm', [])).toEqual({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], params: {} });
  });

  it('takes an array of messages as the conversation', () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hi' },
      { role: 'assistant' as const, content: 'Hel' },
    ];
    expect(resolvePrompt(messages, 'm', []).messages).toEqual(messages);
  });

  it('layers params: factory, then call, then the prompt’s own; extra merged key by key', () => {
    const resolved = resolvePrompt(
      { messages: [{ role: 'user', content: 'Hi' }], params: { temperature: 0.9, extra: { b: 3 } } },
      'm',
      [
        { temperature: 0.1, maxTokens: 10, extra: { a: 1, b: 1 } },
        { maxTokens: 20, seed: 4, extra: { b: 2 } },
      ],
    );
    expect(resolved.params).toEqual({ temperature: 0.9, maxTokens: 20, seed: 4, extra: { a: 1, b: 3 } });
  });

  it('lets params.model override the model', () => {
    expect(resolvePrompt('Hi', 'm', [{ model: 'other' }]).model).toBe('other');
  });

  it('ignores undefined layers and undefined values', () => {
    expect(mergeParams([undefined, { temperature: 0.5 }, { temperature: undefined }])).toEqual({ temperature: 0.5 });
  });

  it.each([
    [[], 'prompts[3]: expected at least one message'],
    [[{ role: 'robot', content: 'x' }], 'prompts[3][0].role'],
    [[{ role: 'user', content: 5 }], 'prompts[3][0].content'],
    [[{ role: 'user', content: 'x', name: 'n' }], 'prompts[3][0]: Unrecognized key: "name"'],
    [{ messages: [] }, 'prompts[3].messages: expected at least one message'],
    [{ message: 'hi' }, 'prompts[3]: Unrecognized key: "message"'],
    [{ messages: [{ role: 'user', content: 'hi' }], params: { temperature: 5 } }, 'prompts[3].params.temperature'],
    [{ messages: [{ role: 'user', content: 'hi' }], params: { maxTokens: 0 } }, 'prompts[3].params.maxTokens'],
    [{ messages: [{ role: 'user', content: 'hi' }], params: { topp: 1 } }, 'prompts[3].params: Unrecognized key: "topp"'],
    [
      { messages: [{ role: 'user', content: 'hi' }], params: { responseFormat: { type: 'json_schema', name: 'bad name', schema: {} } } },
      'prompts[3].params.responseFormat.name',
    ],
    [42, 'prompts[3]: expected a string, an array of messages, { messages, params }, or an item { id?, prompt | messages, params?, meta? }'],
    [null, 'prompts[3]: expected a string'],
    [undefined, 'prompts[3]: expected a string'],
  ])('rejects %j with a message naming %s', (prompt, expected) => {
    let thrown: unknown;
    try {
      resolvePrompt(prompt as never, 'm', [], 'prompts[3]');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionsError);
    expect((thrown as Error).message).toContain(expected);
  });

  it('names the prompt "prompt" by default', () => {
    expect(() => resolvePrompt([] as never, 'm', [])).toThrow(/^prompt: /);
  });
});
