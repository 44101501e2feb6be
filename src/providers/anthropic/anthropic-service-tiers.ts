import type { ServiceTierMap } from '../service-tiers.js';

/**
 * Anthropic's request `service_tier` (API reference, Create a Message → `service_tier`: `auto`, `standard_only`); our
 * `'default'` is `standard_only`. It has no flex; priority capacity is bought, then used by `auto`. The response's
 * `usage.service_tier` says which served it (`standard`, `priority`, `batch`).
 */
export const ANTHROPIC_SERVICE_TIERS: ServiceTierMap = Object.freeze({ default: 'standard_only', standard_only: 'standard_only', auto: 'auto' });
