import { z } from 'zod';
import { customModel } from '../../model/custom-model.js';
import { wireServiceTier } from '../service-tiers.js';
import { ANTHROPIC_SERVICE_TIERS } from './anthropic-service-tiers.js';
import type { ChatParams } from '../../types.js';
import { validateOptions } from '../../internal/validate-options.js';
import type { ChatModel } from '../../model/chat-provider.js';
import { baseURLFromEnv, type ProviderOptions, providerOptionsShape, resolveConnection } from '../provider-options.js';
import { ANTHROPIC_VERSION, createAnthropicProvider } from './anthropic-provider.js';

/**
 * Options of `anthropic()`. Unknown keys are errors.
 *
 * @example
 * ```ts
 * import { anthropic, type AnthropicOptions } from 'rxllm';
 * const options: AnthropicOptions = { model: 'claude-haiku-4-5', maxTokens: 1_024, timeout: 120_000, maxRetries: 4 };
 * anthropic(options).chat('Say hi.').subscribe((response) => console.log(response.text));
 * ```
 */
export interface AnthropicOptions extends ProviderOptions {
  /** Model name, e.g. `claude-haiku-4-5` or `claude-3-5-haiku-latest`. */
  model: string;
  /**
   * API key, sent as `x-api-key`. Required for api.anthropic.com; optional elsewhere (local or compatible servers);
   * `''` sends none even when the environment variable is set.
   * @defaultValue `process.env.ANTHROPIC_API_KEY`
   */
  apiKey?: string;
  /** Base URL **without** `/v1`, as in Anthropic's SDK. @defaultValue `process.env.ANTHROPIC_BASE_URL`, else `https://api.anthropic.com` */
  baseURL?: string;
  /** Longest wait between two stream chunks, in ms (Anthropic sends `ping` events on long streams). @defaultValue `timeout` */
  streamIdleTimeout?: number;
  /** Default generation parameters (`params.maxTokens` wins over `maxTokens`). */
  params?: ChatParams;
  /**
   * `max_tokens` for requests that set no `maxTokens`: the Messages API requires one. It is also what rate limiters
   * and budgets reserve as the worst-case output. @defaultValue `4096`
   */
  maxTokens?: number;
  /** `anthropic-version` header. @defaultValue `'2023-06-01'` */
  anthropicVersion?: string;
  /** Provider id, for Anthropic-compatible hosts. @defaultValue `'anthropic'` */
  providerId?: string;
  /**
   * How a `json_schema` `responseFormat` is sent: `'native'` as `output_config.format`, `'tool'` as a forced tool
   * call, `'auto'` natively on models that have it (Claude Opus / Sonnet / Haiku 4.5 and later) and as a tool
   * otherwise. A non-strict schema or a prefill always uses the tool. @defaultValue `'auto'`
   */
  structuredOutputMode?: 'auto' | 'native' | 'tool';
  /**
   * The server has Anthropic's Message Batches API (`/v1/messages/batches`), which `batchChat` uses; set `true` for a
   * server standing in for Anthropic (a proxy, the mock server). @defaultValue `true` for api.anthropic.com, else `false`
   */
  batchApi?: boolean;
}

/**
 * `max_tokens` sent when neither the request nor the factory sets one.
 *
 * @example
 * ```ts
 * import { anthropic, DEFAULT_ANTHROPIC_MAX_TOKENS } from 'rxllm';
 * const model = anthropic({ model: 'claude-haiku-4-5' });
 * console.log(model.params.maxTokens === DEFAULT_ANTHROPIC_MAX_TOKENS); // true, unless anthropic() is given maxTokens
 * ```
 */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
const LABEL = 'anthropic() options';

const anthropicOptionsSchema = z.strictObject({
  ...providerOptionsShape,
  maxTokens: z.number().int().positive().optional(),
  anthropicVersion: z.string().min(1).optional(),
  structuredOutputMode: z.enum(['auto', 'native', 'tool']).optional(),
  batchApi: z.boolean().optional(),
});

/**
 * Creates a `ChatModel` for Anthropic's Messages API (`POST {baseURL}/v1/messages`), with one keep-alive
 * connection pool per call of `anthropic()`.
 *
 * Options are validated at once: an unknown key or a bad value throws `InvalidOptionsError` naming the field. The key
 * comes from `apiKey` or `ANTHROPIC_API_KEY`, is sent as `x-api-key` with `anthropic-version: 2023-06-01`, and is
 * required for api.anthropic.com. It is never sent over plain `http://` to a host that is not loopback unless
 * `allowInsecureKey: true`, and never appears in errors or logs. Every request carries `max_tokens` (the request's
 * `maxTokens`, else the factory's `maxTokens`, default 4096). `m.chat()` / `m.stream()` are cold, retry retryable
 * errors (`overloaded_error` 529, 429, 5xx, connection errors; `maxRetries`, default 2; streams only before their first
 * chunk) and abort their socket when unsubscribed. A trailing assistant message is a prefill that the model continues.
 * Structured output (`responseFormat: { type: 'json_schema' }`) is sent natively (`output_config.format`) to Claude 4.5
 * and later, else as a forced tool call whose input, as JSON, is the answer's `text` (`structuredOutputMode`).
 *
 * @param options - Model, credentials, endpoint, timeouts, retries, `maxTokens` and default params.
 * @returns A `ChatModel`.
 *
 * @example
 * ```ts
 * import { anthropic } from 'rxllm';
 * const m = anthropic({ model: 'claude-haiku-4-5', baseURL: process.env.BASE_URL });
 * m.chat([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hi.' }])
 *   .subscribe((response) => console.log(response.text, response.usage));
 * ```
 */
export function anthropic(options: AnthropicOptions): ChatModel {
  const valid = validateOptions(anthropicOptionsSchema, options, LABEL);
  const baseURL = stripVersion(valid.baseURL ?? baseURLFromEnv('ANTHROPIC_BASE_URL', LABEL) ?? ANTHROPIC_BASE_URL);
  const { retry, ...connection } = resolveConnection(valid, valid.apiKey ?? process.env.ANTHROPIC_API_KEY, {
    label: LABEL,
    baseURL,
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    keyRequired: new URL(baseURL).hostname.toLowerCase() === 'api.anthropic.com',
  });
  const maxTokens = valid.maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  const provider = createAnthropicProvider({
    id: valid.providerId ?? 'anthropic',
    baseURL,
    ...connection,
    version: valid.anthropicVersion ?? ANTHROPIC_VERSION,
    ...(valid.headers === undefined ? {} : { headers: valid.headers }),
    defaultMaxTokens: maxTokens,
    ...(valid.structuredOutputMode === undefined ? {} : { structuredOutputMode: valid.structuredOutputMode }),
    batchApi: valid.batchApi ?? new URL(baseURL).hostname.toLowerCase() === 'api.anthropic.com',
  });
  // maxTokens rides in the default params so that limiters, budgets and estimates see the real worst case.
  const params: ChatParams = { maxTokens, ...(valid.params as ChatParams | undefined) };
  wireServiceTier(ANTHROPIC_SERVICE_TIERS, params.serviceTier, valid.providerId ?? 'anthropic', 'anthropic() options.params.serviceTier'); // refused before anything is sent
  return customModel(provider, {
    model: valid.model,
    retry,
    params,
    ...(valid.scheduler === undefined ? {} : { scheduler: valid.scheduler }),
  });
}

/** Accepts a base URL given with a trailing `/v1` too (a common slip), since `/v1/messages` is appended. */
function stripVersion(baseURL: string): string {
  return baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
}
