import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders } from '../../src/index.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

describe('parseRateLimitHeaders', () => {
  it('reads OpenAI headers, resets as durations', () => {
    const info = parseRateLimitHeaders(
      {
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-remaining-requests': '499',
        'x-ratelimit-reset-requests': '120ms',
        'x-ratelimit-limit-tokens': '200000',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '6m0s',
      },
      NOW,
    );
    expect(info).toEqual({
      limitRequests: 500,
      remainingRequests: 499,
      resetRequestsMs: 120,
      limitTokens: 200_000,
      remainingTokens: 0,
      resetTokensMs: 360_000,
    });
  });

  it('reads Anthropic headers, RFC 3339 resets as ms from now (never negative)', () => {
    const info = parseRateLimitHeaders(
      {
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-requests-reset': '2025-01-01T00:00:01Z',
        'anthropic-ratelimit-tokens-limit': '100000',
        'anthropic-ratelimit-tokens-remaining': '98000',
        'anthropic-ratelimit-tokens-reset': '2025-01-01T00:00:00.500Z',
        'anthropic-ratelimit-input-tokens-limit': '80000',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': '2025-01-01T00:01:00+00:00',
        'anthropic-ratelimit-output-tokens-limit': '20000',
        'anthropic-ratelimit-output-tokens-remaining': '19000',
        'anthropic-ratelimit-output-tokens-reset': '2024-12-31T23:59:59Z',
      },
      NOW,
    );
    expect(info).toEqual({
      limitRequests: 50,
      remainingRequests: 49,
      resetRequestsMs: 1000,
      limitTokens: 100_000,
      remainingTokens: 98_000,
      resetTokensMs: 500,
      limitInputTokens: 80_000,
      remainingInputTokens: 0,
      resetInputTokensMs: 60_000,
      limitOutputTokens: 20_000,
      remainingOutputTokens: 19_000,
      resetOutputTokensMs: 0,
    });
  });

  it('adds retryAfterMs from retry-after-ms / retry-after', () => {
    expect(parseRateLimitHeaders({ 'retry-after-ms': '15' }, NOW)).toEqual({ retryAfterMs: 15 });
    expect(parseRateLimitHeaders({ 'retry-after': '2', 'x-ratelimit-remaining-requests': '0' }, NOW)).toEqual({
      remainingRequests: 0,
      retryAfterMs: 2000,
    });
  });

  it('returns undefined when there is no rate-limit header', () => {
    expect(parseRateLimitHeaders({ 'content-type': 'application/json' }, NOW)).toBeUndefined();
  });

  it('leaves out values that do not parse', () => {
    expect(
      parseRateLimitHeaders(
        { 'x-ratelimit-limit-requests': 'lots', 'x-ratelimit-remaining-requests': '-1', 'x-ratelimit-reset-requests': 'soon', 'x-ratelimit-limit-tokens': '10' },
        NOW,
      ),
    ).toEqual({ limitTokens: 10 });
    expect(parseRateLimitHeaders({ 'anthropic-ratelimit-tokens-reset': 'tomorrow' }, NOW)).toBeUndefined();
  });

  it('matches header names case-insensitively', () => {
    expect(parseRateLimitHeaders({ 'X-RateLimit-Remaining-Tokens': '7' }, NOW)).toEqual({ remainingTokens: 7 });
  });
});
