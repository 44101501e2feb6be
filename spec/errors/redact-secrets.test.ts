import { describe, expect, it } from 'vitest';
import { redactSecrets, rememberSecret } from '../../src/errors/redact-secrets.js';

describe('secrets', () => {
  it('redacts every occurrence of a remembered secret', () => {
    rememberSecret('sk-secrets-spec-AAAA');
    expect(redactSecrets('a sk-secrets-spec-AAAA b sk-secrets-spec-AAAA')).toBe('a [redacted] b [redacted]');
  });

  it('redacts several secrets', () => {
    rememberSecret('first-secret-111');
    rememberSecret('second-secret-222');
    expect(redactSecrets('first-secret-111/second-secret-222')).toBe('[redacted]/[redacted]');
  });

  it('redacts Bearer tokens it was never told about', () => {
    expect(redactSecrets('Authorization: Bearer abc.DEF_123-xyz~')).toBe('Authorization: Bearer [redacted]');
    expect(redactSecrets('bearer   unknownToken99')).toBe('bearer   [redacted]');
  });

  it('ignores values too short to be secrets, and undefined', () => {
    rememberSecret('abc');
    rememberSecret(undefined);
    rememberSecret('');
    expect(redactSecrets('abc is fine')).toBe('abc is fine');
  });

  it('leaves text without secrets alone', () => {
    expect(redactSecrets('nothing to hide: Bearer x')).toBe('nothing to hide: Bearer x');
  });
});
