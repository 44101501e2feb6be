import { InvalidOptionsError } from '../errors/llm-error.js';
import type { RateLimitInfo } from '../types.js';
import type { TransportSettings } from './provider-options.js';

/**
 * A provider's service tiers: each word a user may pass as `params.serviceTier` (ours, such as `'default'`, and the
 * provider's own) mapped to what its wire field takes. `{}`: the provider has no tiers.
 */
export type ServiceTierMap = Readonly<Record<string, string>>;

/**
 * OpenAI's whole-request timeout advice for flex: "up to 15 minutes" (platform.openai.com/docs/guides/flex-processing,
 * "API request timeouts"), the default for a flex request whose model sets no `timeout`.
 */
export const FLEX_TIMEOUT_MS = 15 * 60_000;

/**
 * The wire word for `requested`, or `undefined` when no tier was asked for. Throws `InvalidOptionsError` naming the
 * field (and the tiers the provider has) for a tier the provider lacks, so nothing is sent.
 *
 * @param tiers - The provider's tiers.
 * @param requested - `params.serviceTier`, as resolved.
 * @param provider - The provider id, for the message.
 * @param label - How the field is named in the message.
 * @returns The wire word, or `undefined`.
 */
export function wireServiceTier(tiers: ServiceTierMap, requested: string | undefined, provider: string, label = 'params.serviceTier'): string | undefined {
  if (requested === undefined) return undefined;
  const wire = Object.hasOwn(tiers, requested) ? tiers[requested] : undefined;
  if (wire !== undefined) return wire;
  const known = Object.keys(tiers);
  const offered = known.length === 0 ? 'it has no service tiers' : `its tiers are ${known.join(', ')}`;
  throw new InvalidOptionsError(`${label}: ${provider} has no service tier "${requested}"; ${offered}.`, { provider });
}

/**
 * What a failed response says about the tier it was sent at (`wireTier`, as sent): `'capacity'` for Groq's 498, or a
 * 429 to a flex request, unless the rate-limit headers show a `remaining` of 0 (then it is a rate limit: the SPEC's
 * decision); `'unsupported'` for a 400 whose `param` names the `service_tier` field (the key, not the sentence:
 * "Unsupported service_tier: flex", gateways' `unsupported_value`). `undefined` otherwise.
 *
 * @param status - The HTTP status.
 * @param param - The error envelope's `param`, if any.
 * @param wireTier - The tier sent, if any.
 * @param rateLimit - The failed response's rate-limit headers.
 */
export function tierRefusalOf(status: number, param: string | undefined, wireTier: string | undefined, rateLimit: RateLimitInfo | undefined): 'capacity' | 'unsupported' | undefined {
  if (status === 498 || (status === 429 && wireTier === 'flex')) return budgetExhausted(rateLimit) ? undefined : 'capacity';
  if (status === 400 && wireTier !== undefined && param === 'service_tier') return 'unsupported';
  return undefined;
}

/** The headers show a spent budget: a `remaining` of 0 for requests or tokens. */
function budgetExhausted(info: RateLimitInfo | undefined): boolean {
  if (info === undefined) return false;
  return info.remainingRequests === 0 || info.remainingTokens === 0 || info.remainingInputTokens === 0 || info.remainingOutputTokens === 0;
}

/**
 * The transport settings of one request at `wireTier`: a flex request whose model sets no `timeout` gets
 * `FLEX_TIMEOUT_MS` for the whole request (time to the first byte for streams); anything else is unchanged.
 */
export function tieredTransport<S extends TransportSettings>(settings: S, wireTier: string | undefined): S {
  return wireTier === 'flex' && settings.timeoutIsDefault === true ? { ...settings, timeoutMs: Math.max(settings.timeoutMs, FLEX_TIMEOUT_MS) } : settings;
}
