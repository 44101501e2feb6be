import { describe, expect, it } from 'vitest';
import { errorFromResponse } from '../../src/errors/from-response.js';
import { APIConnectionError } from '../../src/errors/llm-error.js';
import { createOpenAIStreamReader } from '../../src/providers/openai-compatible/read-openai-stream.js';
import { redactSecrets, rememberSecret } from '../../src/errors/redact-secrets.js';
import { preview } from '../../src/transport/post-json.js';
import { errorSurfaces, leaksIn } from '../support/reliability-secrets.js';

// Each case was found by spec/reliability/secrets.property.test.ts; these pin them down without a server.
const KEY = 'sk-proj-Zq7Rw2Lx9Kp4Nv8Tb3Hs6Jd1Fg5Yc0Me';
rememberSecret(KEY);

describe('redaction regressions', () => {
  it('an error message truncated at 300 characters does not keep the start of an echoed key', () => {
    for (let padding = 250; padding <= 300; padding += 1) {
      const message = `${'.'.repeat(padding)}x-api-key: ${KEY}`;
      const error = errorFromResponse({ status: 400, provider: 'openai', body: { error: { message } }, message });
      expect(leaksIn(errorSurfaces(error), KEY), `padding ${padding}`).toEqual([]);
    }
  });

  it('a body preview cut at 120 characters does not keep the start of an echoed key', () => {
    for (let padding = 80; padding <= 120; padding += 1) {
      const shown = preview(`${'.'.repeat(padding)}${KEY}`);
      expect(leaksIn({ shown }, KEY), `padding ${padding}`).toEqual([]);
    }
  });

  it('a stream event that is not JSON is quoted without the start of an echoed key', () => {
    const reader = createOpenAIStreamReader('openai', 'm');
    const response = { status: 200, headers: {} };
    for (let padding = 80; padding <= 120; padding += 1) {
      let thrown: unknown;
      try {
        reader.push({ data: `${'.'.repeat(padding)}${KEY}`, response });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(APIConnectionError);
      expect(leaksIn(errorSurfaces(thrown), KEY), `padding ${padding}`).toEqual([]);
    }
  });

  it('a secret that contains another remembered secret is redacted whole', () => {
    const inner = 'Zq7Rw2Lx9Kp4'; // remembered first, e.g. a short gateway token that happens to be part of the key
    rememberSecret(inner);
    const outer = `outer-${inner}-tail-0123456789`;
    rememberSecret(outer);
    expect(redactSecrets(`key=${outer};`)).toBe('key=[redacted];');
    expect(redactSecrets(`key=${KEY};`)).toBe('key=[redacted];');
  });
});
