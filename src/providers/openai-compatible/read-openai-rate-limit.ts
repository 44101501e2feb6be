import { parseCount, parseReset } from '../../transport/rate-limit-headers.js';
import type { RateLimitInfo } from '../../types.js';

/** Milliseconds in a day: the window of a per-day request count. */
const DAY_MS = 86_400_000;

/**
 * Reads OpenAI's rate-limit headers, which it sends on every response: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`,
 * resets as Go-style durations (`12ms`, `6m0s`; plain seconds and RFC 3339 timestamps, as some compatible servers send
 * them, are read too). Names from https://platform.openai.com/docs/guides/rate-limits ("Rate limits in headers"); a
 * real response's headers are quoted at https://community.openai.com/t/1268905 (`x-ratelimit-reset-requests: 12ms`).
 * Values that do not parse are left out. Groq sends the same names, but its `x-ratelimit-limit-requests` and
 * `-remaining-requests` count requests per day (RPD) while the token figures are per minute
 * (https://console.groq.com/docs/rate-limits, "Rate Limit Headers"); with `requestWindow: 'day'` the request figures
 * are labelled so (`windowRequestsMs`), and no per-minute pace is taken from them.
 *
 * @param headers - A response's headers, names lower-cased (as the transport passes them).
 * @param nowMs - Receive time (epoch ms), for resets given as timestamps.
 * @param requestWindow - What the request figures count: `'minute'` (OpenAI) or `'day'` (Groq). @defaultValue `'minute'`
 * @returns What it found, or `undefined` when the response carries none of these headers.
 *
 * @example
 * ```ts
 * readOpenAIRateLimit({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' }, Date.now());
 * // { remainingTokens: 0, resetTokensMs: 360000 }
 * ```
 */
export function readOpenAIRateLimit(
  headers: Readonly<Record<string, string>>,
  nowMs: number,
  requestWindow: 'minute' | 'day' = 'minute',
): RateLimitInfo | undefined {
  let info: RateLimitInfo | undefined;
  const limitRequests = parseCount(headers['x-ratelimit-limit-requests']?.trim());
  if (limitRequests !== undefined) (info ??= {}).limitRequests = limitRequests;
  const remainingRequests = parseCount(headers['x-ratelimit-remaining-requests']?.trim());
  if (remainingRequests !== undefined) (info ??= {}).remainingRequests = remainingRequests;
  const resetRequestsMs = parseReset(headers['x-ratelimit-reset-requests']?.trim(), nowMs);
  if (resetRequestsMs !== undefined) (info ??= {}).resetRequestsMs = resetRequestsMs;
  const limitTokens = parseCount(headers['x-ratelimit-limit-tokens']?.trim());
  if (limitTokens !== undefined) (info ??= {}).limitTokens = limitTokens;
  const remainingTokens = parseCount(headers['x-ratelimit-remaining-tokens']?.trim());
  if (remainingTokens !== undefined) (info ??= {}).remainingTokens = remainingTokens;
  const resetTokensMs = parseReset(headers['x-ratelimit-reset-tokens']?.trim(), nowMs);
  if (resetTokensMs !== undefined) (info ??= {}).resetTokensMs = resetTokensMs;
  if (requestWindow === 'day' && (limitRequests !== undefined || remainingRequests !== undefined)) (info ??= {}).windowRequestsMs = DAY_MS;
  return info;
}
