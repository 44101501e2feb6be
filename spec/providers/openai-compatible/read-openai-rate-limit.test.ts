import { describe, expect, it } from 'vitest';
import { readOpenAIRateLimit } from '../../../src/providers/openai-compatible/read-openai-rate-limit.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

describe('readOpenAIRateLimit', () => {
  // Header names and shapes as a real chat completion carries them (quoted at https://community.openai.com/t/1268905).
  it('reads the six x-ratelimit-* headers, resets as durations', () => {
    const headers = {
      'x-ratelimit-limit-requests': '5000',
      'x-ratelimit-limit-tokens': '160000',
      'x-ratelimit-remaining-requests': '4999',
      'x-ratelimit-remaining-tokens': '159976',
      'x-ratelimit-reset-requests': '12ms',
      'x-ratelimit-reset-tokens': '9ms',
    };
    expect(readOpenAIRateLimit(headers, NOW)).toEqual({
      limitRequests: 5000,
      remainingRequests: 4999,
      resetRequestsMs: 12,
      limitTokens: 160_000,
      remainingTokens: 159_976,
      resetTokensMs: 9,
    });
  });

  it("ignores other providers' names and retry-after (the transport reads that), and gives undefined without its own", () => {
    expect(readOpenAIRateLimit({ 'anthropic-ratelimit-requests-remaining': '3', 'retry-after': '2' }, NOW)).toBeUndefined();
  });

  it('leaves out values that do not parse', () => {
    expect(readOpenAIRateLimit({ 'x-ratelimit-remaining-requests': '-1', 'x-ratelimit-reset-tokens': 'soon', 'x-ratelimit-limit-tokens': ' 10 ' }, NOW)).toEqual({ limitTokens: 10 });
  });
});
