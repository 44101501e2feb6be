import { InvalidOptionsError } from '../errors/llm-error.js';
import { type AnthropicOptions, anthropic } from './anthropic/anthropic.js';
import { type OpenAIOptions, openai } from './openai-compatible/openai.js';
import { GROQ_SERVICE_TIERS } from './openai-compatible/openai-service-tiers.js';
import type { ChatModel } from '../model/chat-provider.js';

/**
 * How `chatModel()` reaches one provider prefix.
 *
 * @example
 * ```ts
 * import { knownProviders, type ProviderPreset } from 'rxllm';
 * const groq: ProviderPreset | undefined = knownProviders.groq;
 * console.log(groq); // { protocol: 'openai', baseURL: 'https://api.groq.com/openai/v1', apiKeyEnv: 'GROQ_API_KEY', … }
 * ```
 */
export interface ProviderPreset {
  /** Wire protocol: OpenAI Chat Completions or Anthropic Messages. */
  protocol: 'openai' | 'anthropic';
  /** Default base URL (OpenAI-style ones include `/v1`); `undefined` when the user must give one. */
  baseURL: string | undefined;
  /** Environment variable holding the API key. */
  apiKeyEnv: string;
  /** Environment variable holding the base URL (wins over the default). */
  baseURLEnv: string;
  /** True when the default host needs a key, so a missing one fails at once. */
  apiKeyRequired: boolean;
  /** Environment variable holding the resource endpoint that `endpointPath` is appended to (Azure). */
  endpointEnv?: string;
  /** Path appended to the endpoint from `endpointEnv`, e.g. `/openai/v1`. */
  endpointPath?: string;
  /** Header carrying the key. @defaultValue `'authorization'` (`Bearer …`) */
  apiKeyHeader?: 'authorization' | 'api-key';
  /** Wire name of `maxTokens`. @defaultValue `'max_tokens'` */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** What the request rate-limit headers count (Groq: per day). @defaultValue `'minute'` */
  requestLimitWindow?: 'minute' | 'day';
  /** Wire fields the server refuses, never sent unless the user's `omitFields` or `params.extra` says otherwise. */
  omitFields?: readonly string[];
  /** Wire fields the server spells differently, e.g. Mistral's `random_seed`. */
  renameFields?: Readonly<Record<string, string>>;
  /** The server's service tiers (`params.serviceTier` word → `service_tier` value). @defaultValue OpenAI's */
  serviceTiers?: Readonly<Record<string, string>>;
}

/**
 * The providers `chatModel("provider/model")` knows, by prefix. Base URLs and variables follow each provider's
 * documentation; `ollama` also reads `OLLAMA_HOST` (e.g. `127.0.0.1:11434`) when `OLLAMA_BASE_URL` is unset.
 *
 * @example
 * ```ts
 * import { knownProviders } from 'rxllm';
 * for (const [prefix, preset] of Object.entries(knownProviders)) {
 *   console.log(`${prefix}/…`, preset.baseURL ?? `(set ${preset.baseURLEnv})`, preset.apiKeyEnv);
 * }
 * ```
 */
export const knownProviders: Readonly<Record<string, Readonly<ProviderPreset>>> = Object.freeze({
  openai: preset('openai', 'https://api.openai.com/v1', 'OPENAI', true),
  anthropic: preset('anthropic', 'https://api.anthropic.com', 'ANTHROPIC', true),
  ollama: preset('openai', 'http://127.0.0.1:11434/v1', 'OLLAMA', false),
  vllm: preset('openai', undefined, 'VLLM', false),
  openrouter: preset('openai', 'https://openrouter.ai/api/v1', 'OPENROUTER', true),
  // Groq's tiers: `on_demand` (our 'default'), `flex` (498 `capacity_exceeded` when full), `performance`, `auto`.
  // Groq's x-ratelimit-*-requests count requests per day, its token figures per minute
  // (console.groq.com/docs/rate-limits, "Rate Limit Headers").
  groq: preset('openai', 'https://api.groq.com/openai/v1', 'GROQ', true, { requestLimitWindow: 'day', serviceTiers: GROQ_SERVICE_TIERS }),
  together: preset('openai', 'https://api.together.xyz/v1', 'TOGETHER', true),
  deepseek: preset('openai', 'https://api.deepseek.com/v1', 'DEEPSEEK', true),
  // Mistral answers 422 to `stream_options` (PRESET_REQUEST_OPTIONS below sets `streamUsage: false`) and names the seed
  // `random_seed` (docs.mistral.ai, API reference: chat completion request body).
  mistral: preset('openai', 'https://api.mistral.ai/v1', 'MISTRAL', true, {
    renameFields: { seed: 'random_seed' },
  }),
  fireworks: preset('openai', 'https://api.fireworks.ai/inference/v1', 'FIREWORKS', true),
  // Azure OpenAI v1 API (learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle): base
  // `https://<resource>.openai.azure.com/openai/v1/`, no `api-version`, key in the `api-key` header; the model is the
  // deployment name; reasoning deployments need `max_completion_tokens`, which every v1 chat model accepts.
  azure: preset('openai', undefined, 'AZURE_OPENAI', true, {
    endpointEnv: 'AZURE_OPENAI_ENDPOINT',
    endpointPath: '/openai/v1',
    apiKeyHeader: 'api-key',
    maxTokensField: 'max_completion_tokens',
  }),
  // Gemini's OpenAI-compatible endpoint (ai.google.dev/gemini-api/docs/openai): Bearer key; it takes `seed`,
  // `stream_options.include_usage` and at most 5 `stop` strings; JSON schemas are an OpenAPI 3.0 subset.
  gemini: preset('openai', 'https://generativelanguage.googleapis.com/v1beta/openai', 'GEMINI', true),
  // LM Studio's local server (lmstudio.ai/docs, OpenAI compatibility): port 1234, no key.
  lmstudio: preset('openai', 'http://127.0.0.1:1234/v1', 'LMSTUDIO', false),
  // Cerebras (inference-docs.cerebras.ai/resources/openai): 400 for `service_tier`, `frequency_penalty`,
  // `presence_penalty`, `logit_bias`, `parallel_tool_calls`; documents `max_completion_tokens`.
  cerebras: preset('openai', 'https://api.cerebras.ai/v1', 'CEREBRAS', true, {
    maxTokensField: 'max_completion_tokens',
    omitFields: ['service_tier', 'frequency_penalty', 'presence_penalty', 'logit_bias', 'parallel_tool_calls'],
    serviceTiers: {},
  }),
  // xAI (docs.x.ai, OpenAI-compatible REST API): Bearer key. Its reasoning models refuse `stop` and the penalties;
  // those are sent only when the user sets them.
  xai: preset('openai', 'https://api.x.ai/v1', 'XAI', true),
});

/**
 * What a preset's server rejects, as `openai()` options the user's own options override. Mistral answers 422 to
 * `stream_options` (it forbids unknown body fields: `{"object":"Error","detail":[{"type":"extra_forbidden",
 * "loc":["body",…]}]}`, as in partITech/php-mistral#76) and sends usage in a stream's last chunk unasked.
 */
const PRESET_REQUEST_OPTIONS: Readonly<Record<string, Partial<OpenAIOptions>>> = {
  mistral: { streamUsage: false },
};

/**
 * Options of `chatModel`: those of `openai()` or `anthropic()` (per the prefix), without `model`.
 *
 * @example
 * ```ts
 * import { chatModel, type ChatModelOptions } from 'rxllm';
 * const options: ChatModelOptions = { timeout: 30_000, maxRetries: 3, params: { temperature: 0 } };
 * chatModel('groq/llama-3.1-8b-instant', options).chat('Say hi.').subscribe((response) => console.log(response.text));
 * ```
 */
export type ChatModelOptions =
  | Omit<OpenAIOptions, 'model' | 'providerId' | 'apiKeyEnv' | 'baseURLEnv'>
  | Omit<AnthropicOptions, 'model' | 'providerId'>;

/**
 * Creates a `ChatModel` from a `"provider/model"` string: `openai/gpt-4o-mini`, `anthropic/claude-haiku-4-5`, or an
 * OpenAI-compatible host by prefix — `ollama/…` (local, `http://127.0.0.1:11434/v1`, no key), `vllm/…`
 * (`VLLM_BASE_URL` required, `VLLM_API_KEY` optional), `openrouter/…`, `groq/…`, `together/…`, `deepseek/…`,
 * `mistral/…`, `fireworks/…`, `gemini/…`, `cerebras/…`, `xai/…`, `lmstudio/…` (local, port 1234, no key) and `azure/…`
 * (`AZURE_OPENAI_ENDPOINT` + `/openai/v1`, key in the `api-key` header; the model is the deployment name), each with
 * its usual `*_API_KEY` and `*_BASE_URL` variables (see `knownProviders`). Each preset sends only what its server
 * accepts (Mistral: no `stream_options`, `seed` as `random_seed`); the options `omitFields`, `renameFields`,
 * `maxTokensField` and `apiKeyHeader` override that, and `params.extra` always sends what it names.
 * Everything after the first `/` is the model name, which may hold more slashes (`openrouter/meta-llama/llama-3-70b`).
 *
 * Throws `InvalidOptionsError` at once for a string without a prefix, an unknown prefix (the message lists the known
 * ones), a missing key for a hosted provider, a missing vLLM base URL or Azure endpoint, or invalid options (named by
 * field).
 *
 * @param id - `provider/model`.
 * @param options - Options of the underlying `openai()` or `anthropic()` factory (key, base URL, timeouts, params…).
 * @returns A `ChatModel` whose `id` is `provider/model`.
 *
 * @example
 * ```ts
 * import { chatModel } from 'rxllm';
 * const m = chatModel('anthropic/claude-haiku-4-5', { baseURL: process.env.BASE_URL });
 * m.chat('Say hi.').subscribe((response) => console.log(response.text));
 * ```
 */
export function chatModel(id: string, options: ChatModelOptions = {}): ChatModel {
  if (typeof id !== 'string') throw new InvalidOptionsError('chatModel() id: expected a "provider/model" string');
  const slash = id.indexOf('/');
  const prefix = slash < 0 ? '' : id.slice(0, slash).toLowerCase();
  const model = slash < 0 ? '' : id.slice(slash + 1);
  const found = Object.hasOwn(knownProviders, prefix) ? knownProviders[prefix] : undefined;
  if (slash <= 0 || model === '' || found === undefined) {
    const problem = slash < 0 ? 'has no provider prefix' : found === undefined ? `has an unknown provider prefix "${id.slice(0, slash)}"` : 'has no model name';
    throw new InvalidOptionsError(
      `chatModel() id: "${id}" ${problem}; expected "provider/model" with provider one of ${Object.keys(knownProviders).join(', ')}`,
    );
  }
  if (prefix === 'anthropic') return anthropic({ ...(options as Omit<AnthropicOptions, 'model'>), model });
  if (prefix === 'openai') return openai({ ...(options as Omit<OpenAIOptions, 'model'>), model });

  const openAIOptions = options as Omit<OpenAIOptions, 'model'>;
  const fromEndpoint = endpointBaseURL(found);
  const baseURL = openAIOptions.baseURL ?? defaultBaseURL(prefix, found) ?? fromEndpoint;
  if (baseURL === undefined) {
    const where = found.endpointEnv === undefined ? found.baseURLEnv : `${found.endpointEnv} (or ${found.baseURLEnv})`;
    throw new InvalidOptionsError(`chatModel() options.baseURL: "${id}" needs a base URL; pass baseURL or set ${where}.`);
  }
  const apiKey = openAIOptions.apiKey ?? process.env[found.apiKeyEnv];
  const defaultHost = baseURL === found.baseURL || (fromEndpoint !== undefined && baseURL === fromEndpoint);
  if (found.apiKeyRequired && defaultHost && (apiKey === undefined || apiKey === '')) {
    throw new InvalidOptionsError(`chatModel() options.apiKey: "${id}" needs an API key; pass apiKey or set ${found.apiKeyEnv}.`);
  }
  return openai({
    ...PRESET_REQUEST_OPTIONS[prefix],
    ...openAIOptions,
    model,
    baseURL,
    providerId: prefix,
    apiKeyEnv: found.apiKeyEnv,
    baseURLEnv: found.baseURLEnv,
    ...wireDefaults(found, openAIOptions),
  });
}

/** The preset's wire knowledge, each piece overridden by the user's own option of the same name. */
function wireDefaults(found: ProviderPreset, options: Omit<OpenAIOptions, 'model'>): Partial<OpenAIOptions> {
  const apiKeyHeader = options.apiKeyHeader ?? found.apiKeyHeader;
  const maxTokensField = options.maxTokensField ?? found.maxTokensField;
  const requestLimitWindow = options.requestLimitWindow ?? found.requestLimitWindow;
  // The user's values go on as given (`openai()` validates them); the preset's frozen ones are copied.
  const omitFields = options.omitFields ?? (found.omitFields === undefined ? undefined : [...found.omitFields]);
  const renameFields = options.renameFields ?? (found.renameFields === undefined ? undefined : { ...found.renameFields });
  const serviceTiers = options.serviceTiers ?? (found.serviceTiers === undefined ? undefined : { ...found.serviceTiers });
  return {
    ...(serviceTiers === undefined ? {} : { serviceTiers }),
    ...(apiKeyHeader === undefined ? {} : { apiKeyHeader }),
    ...(maxTokensField === undefined ? {} : { maxTokensField }),
    ...(requestLimitWindow === undefined ? {} : { requestLimitWindow }),
    ...(omitFields === undefined ? {} : { omitFields }),
    ...(renameFields === undefined ? {} : { renameFields }),
  };
}

function endpointBaseURL(found: ProviderPreset): string | undefined {
  if (found.endpointEnv === undefined) return undefined;
  const endpoint = process.env[found.endpointEnv];
  if (endpoint === undefined || endpoint === '') return undefined;
  return endpoint.replace(/\/+$/, '') + (found.endpointPath ?? '');
}

function defaultBaseURL(prefix: string, found: ProviderPreset): string | undefined {
  const fromEnv = process.env[found.baseURLEnv];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (prefix === 'ollama') {
    const host = process.env.OLLAMA_HOST;
    if (host !== undefined && host !== '') return `${/^https?:\/\//.test(host) ? host : `http://${host}`}`.replace(/\/+$/, '') + '/v1';
  }
  return found.baseURL;
}

function preset(
  protocol: ProviderPreset['protocol'],
  baseURL: string | undefined,
  envPrefix: string,
  apiKeyRequired: boolean,
  wire: Omit<ProviderPreset, 'protocol' | 'baseURL' | 'apiKeyEnv' | 'baseURLEnv' | 'apiKeyRequired'> = {},
): ProviderPreset {
  return Object.freeze({ protocol, baseURL, apiKeyEnv: `${envPrefix}_API_KEY`, baseURLEnv: `${envPrefix}_BASE_URL`, apiKeyRequired, ...wire });
}
