import type { ServiceTierMap } from '../service-tiers.js';

/**
 * OpenAI's `service_tier` values (API reference, Create chat completion and Create a model response → `service_tier`:
 * `auto`, `default`, `flex`, `scale`, `priority`); Azure OpenAI takes the same field. Which models have flex or
 * priority changes over time, so the model is not checked here: a model without the tier answers 400, and a
 * pipeline's `tierFallback` switches it once.
 */
export const OPENAI_SERVICE_TIERS: ServiceTierMap = Object.freeze({ default: 'default', auto: 'auto', flex: 'flex', priority: 'priority', scale: 'scale' });

/**
 * Groq's `service_tier` values (console.groq.com/docs/flex-processing and its API reference: `auto`, `on_demand`,
 * `flex`, `performance`); our `'default'` is its `on_demand`. It has no `priority`.
 */
export const GROQ_SERVICE_TIERS: ServiceTierMap = Object.freeze({ default: 'on_demand', on_demand: 'on_demand', auto: 'auto', flex: 'flex', performance: 'performance' });
