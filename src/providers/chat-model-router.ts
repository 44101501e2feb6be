import { InvalidOptionsError } from '../errors/llm-error.js';
import { type AnthropicOptions, anthropic } from './anthropic/anthropic.js';
import { type OpenAIOptions, openai } from './openai-compatible/openai.js';
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
  groq: preset('openai', 'https://api.groq.com/openai/v1', 'GROQ', true),
  together: preset('openai', 'https://api.together.xyz/v1', 'TOGETHER', true),
  deepseek: preset('openai', 'https://api.deepseek.com/v1', 'DEEPSEEK', true),
  mistral: preset('openai', 'https://api.mistral.ai/v1', 'MISTRAL', true),
  fireworks: preset('openai', 'https://api.fireworks.ai/inference/v1', 'FIREWORKS', true),
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
 * `mistral/…`, `fireworks/…` (each with its usual `*_API_KEY` and `*_BASE_URL` variables; see `knownProviders`).
 * Everything after the first `/` is the model name, which may hold more slashes (`openrouter/meta-llama/llama-3-70b`).
 *
 * Throws `InvalidOptionsError` at once for a string without a prefix, an unknown prefix (the message lists the known
 * ones), a missing key for a hosted provider, a missing vLLM base URL, or invalid options (named by field).
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
  const baseURL = openAIOptions.baseURL ?? defaultBaseURL(prefix, found);
  if (baseURL === undefined) {
    throw new InvalidOptionsError(`chatModel() options.baseURL: "${id}" needs a base URL; pass baseURL or set ${found.baseURLEnv}.`);
  }
  const apiKey = openAIOptions.apiKey ?? process.env[found.apiKeyEnv];
  if (found.apiKeyRequired && baseURL === found.baseURL && (apiKey === undefined || apiKey === '')) {
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
  });
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

function preset(protocol: ProviderPreset['protocol'], baseURL: string | undefined, envPrefix: string, apiKeyRequired: boolean): ProviderPreset {
  return Object.freeze({ protocol, baseURL, apiKeyEnv: `${envPrefix}_API_KEY`, baseURLEnv: `${envPrefix}_BASE_URL`, apiKeyRequired });
}
