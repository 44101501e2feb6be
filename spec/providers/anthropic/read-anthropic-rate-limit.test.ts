import { describe, expect, it } from 'vitest';
import { readAnthropicRateLimit } from '../../../src/providers/anthropic/read-anthropic-rate-limit.js';

const NOW = Date.parse('2025-08-21T12:40:58Z');

describe('readAnthropicRateLimit', () => {
  // Names and values as a recorded api.anthropic.com response carried them (tidyllm's test fixture
  // tests/testthat/claude/api.anthropic.com/v1/messages-e050b5-POST.R, 21 Aug 2025).
  it('reads the four buckets, resets as RFC 3339 timestamps in ms from now', () => {
    const headers = {
      'anthropic-ratelimit-input-tokens-limit': '80000',
      'anthropic-ratelimit-input-tokens-remaining': '80000',
      'anthropic-ratelimit-input-tokens-reset': '2025-08-21T12:40:59Z',
      'anthropic-ratelimit-output-tokens-limit': '16000',
      'anthropic-ratelimit-output-tokens-remaining': '16000',
      'anthropic-ratelimit-output-tokens-reset': '2025-08-21T12:41:00Z',
      'anthropic-ratelimit-requests-limit': '1000',
      'anthropic-ratelimit-requests-remaining': '999',
      'anthropic-ratelimit-requests-reset': '2025-08-21T12:40:59Z',
      'anthropic-ratelimit-tokens-limit': '96000',
      'anthropic-ratelimit-tokens-remaining': '96000',
      'anthropic-ratelimit-tokens-reset': '2025-08-21T12:40:59Z',
    };
    expect(readAnthropicRateLimit(headers, NOW)).toEqual({
      limitRequests: 1000,
      remainingRequests: 999,
      resetRequestsMs: 1000,
      limitTokens: 96_000,
      remainingTokens: 96_000,
      resetTokensMs: 1000,
      limitInputTokens: 80_000,
      remainingInputTokens: 80_000,
      resetInputTokensMs: 1000,
      limitOutputTokens: 16_000,
      remainingOutputTokens: 16_000,
      resetOutputTokensMs: 2000,
    });
  });

  it("ignores other providers' names and gives undefined without its own", () => {
    expect(readAnthropicRateLimit({ 'x-ratelimit-remaining-requests': '3', 'retry-after': '2' }, NOW)).toBeUndefined();
  });
});
