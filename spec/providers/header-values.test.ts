import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors/llm-error.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';

// Issue 17, item 6: such a header used to pass construction and fail every request as a generic `invalid_request`.
describe('custom header values are checked when the model is built', () => {
  const secret = 'sk-header-0123456789abcdefghij';
  const bad: Record<string, string>[] = [
    { 'x-api-key': `${secret}\r\nx-injected: 1` },
    { 'x-trace': 'a\nb' },
    { 'x-trace': 'a\rb' },
    { 'x-trace': 'a\u0000b' },
    { 'bad name': 'v' },
  ];
  for (const headers of bad) {
    it(`refuses ${JSON.stringify(headers)} with an InvalidOptionsError naming the field, never quoting the value`, () => {
      for (const make of [
        () => openai({ model: 'm', baseURL: 'http://127.0.0.1:9/v1', apiKey: '', headers }),
        () => anthropic({ model: 'm', baseURL: 'http://127.0.0.1:9', apiKey: '', headers }),
      ]) {
        let thrown: unknown;
        try {
          make();
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(InvalidOptionsError);
        const [name] = Object.keys(headers);
        expect((thrown as Error).message).toContain(`headers`);
        expect((thrown as Error).message).toContain(name);
        expect((thrown as Error).message).not.toContain(secret.slice(0, 12));
      }
    });
  }

  it('accepts ordinary header names and values (tabs and visible characters)', () => {
    const model = openai({ model: 'm', baseURL: 'http://127.0.0.1:9/v1', apiKey: '', headers: { 'X-Trace_Id.v2': 'a\tb ~!é' } });
    void model.provider.close?.();
  });
});
