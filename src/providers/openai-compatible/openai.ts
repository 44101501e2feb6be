import { z } from 'zod';
import { customModel } from '../../model/custom-model.js';
import { InvalidOptionsError } from '../../errors/llm-error.js';
import type { ChatParams } from '../../types.js';
import { validateOptions } from '../../internal/validate-options.js';
import type { ChatModel } from '../../model/chat-provider.js';
import { baseURLFromEnv, type ProviderOptions, providerOptionsShape, resolveConnection } from '../provider-options.js';
import { needsResponsesApi } from './needs-responses-api.js';
import { OPENAI_SERVICE_TIERS } from './openai-service-tiers.js';
import { wireServiceTier } from '../service-tiers.js';
import { createOpenAIProvider, isOpenAIHost } from './openai-provider.js';
import { responsesOnlyRouter, routesOnResponsesOnly404 } from './responses-only-router.js';
import { createResponsesProvider } from './responses-provider.js';
import type { ResponsesReasoning } from './to-responses-request.js';

/**
 * Options of `openai()`. Unknown keys are errors.
 *
 * @example
 * ```ts
 * import { openai, type OpenAIOptions } from 'rxllm';
 * const options: OpenAIOptions = {
 *   model: 'llama3.2',
 *   baseURL: 'http://127.0.0.1:11434/v1', // Ollama: no key needed
 *   timeout: 120_000,
 *   maxRetries: 4,
 *   params: { temperature: 0 },
 * };
 * openai(options).chat('Say hi.').subscribe((response) => console.log(response.text));
 * ```
 */
export interface OpenAIOptions extends ProviderOptions {
  /** Model name, e.g. `gpt-4o-mini`, or whatever a compatible server serves. */
  model: string;
  /**
   * API key, sent as `Authorization: Bearer …`. Required for api.openai.com; optional elsewhere (local servers);
   * `''` sends none even when the environment variable is set.
   * @defaultValue `process.env[apiKeyEnv]` (`OPENAI_API_KEY`)
   */
  apiKey?: string;
  /** Base URL including the version path. @defaultValue `process.env[baseURLEnv]`, else `https://api.openai.com/v1` (only for `providerId: 'openai'`) */
  baseURL?: string;
  /** `OpenAI-Organization` header. */
  organization?: string;
  /** `OpenAI-Project` header. */
  project?: string;
  /** The server continues a trailing assistant message (prefill), so `resumeStreams` can use it. @defaultValue `false` */
  supportsPrefill?: boolean;
  /** Provider id for this OpenAI-compatible host (`groq`, `openrouter`, `ollama`, `vllm`, …). @defaultValue `'openai'` */
  providerId?: string;
  /** Environment variable holding the key. @defaultValue `${PROVIDERID}_API_KEY`, e.g. `OPENAI_API_KEY`, `GROQ_API_KEY` */
  apiKeyEnv?: string;
  /** Environment variable holding the base URL. @defaultValue `${PROVIDERID}_BASE_URL`, e.g. `OPENAI_BASE_URL` */
  baseURLEnv?: string;
  /**
   * Which OpenAI API to call: Chat Completions (`/chat/completions`) or Responses (`/responses`, which sends
   * `store: false` unless `params.extra.store` is set).
   * @defaultValue `'responses'` for OpenAI models known to need it (`gpt-5-pro`, `o3-pro`, codex and deep-research
   * models) when `providerId` is `'openai'`, else `'chat'`. Left unset on api.openai.com, a model that Chat
   * Completions refuses with the 404 "only supported in v1/responses" switches to the Responses API for the rest of
   * the run (the refused request is re-sent there, not counted as a failure).
   */
  api?: 'chat' | 'responses';
  /** Responses API only: reasoning `effort` and `summary`, sent as `reasoning` on every request. */
  reasoning?: ResponsesReasoning;
  /**
   * Wire name of `maxTokens`: reasoning models behind a gateway or on Azure need `max_completion_tokens`.
   * @defaultValue `'max_completion_tokens'` for api.openai.com, else `'max_tokens'`
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /**
   * What the server's `x-ratelimit-{limit,remaining}-requests` count: `'day'` where they are a per-day count (Groq,
   * whose `chatModel` preset sets it), so `rpm: 'auto'` does not pace a per-minute budget from them.
   * @defaultValue `'minute'`
   */
  requestLimitWindow?: 'minute' | 'day';
  /**
   * Ask for usage in streams with `stream_options: { include_usage: true }`. Mistral answers 422 to the field (its
   * `chatModel` preset sets `false`; Mistral reports usage in the last chunk anyway). @defaultValue `true`
   */
  streamUsage?: boolean;
  /**
   * Most `stop` strings a request may carry; more fails that request with `InvalidOptionsError` before sending.
   * @defaultValue `4` for api.openai.com (its API reference: "Up to 4 sequences"), else no limit
   */
  maxStopSequences?: number;
  /** Header carrying the key: `authorization` (`Bearer …`) or `api-key` (Azure OpenAI). @defaultValue `'authorization'` */
  apiKeyHeader?: 'authorization' | 'api-key';
  /** Wire fields the server refuses, left out of every body (`params.extra` still sends them); `[]` sends all. @defaultValue `[]` */
  omitFields?: string[];
  /** Wire fields the server spells differently, e.g. `{ seed: 'random_seed' }`; `{}` renames none. @defaultValue `{}` */
  renameFields?: Record<string, string>;
  /**
   * The server has OpenAI's Batch API (`/files`, `/batches`), which `batchChat` uses. Other OpenAI-compatible
   * servers have none, so `batchChat` refuses them; set `true` for one standing in for OpenAI (a proxy, the mock server).
   * @defaultValue `true` for api.openai.com, else `false`
   */
  batchApi?: boolean;
  /**
   * The server's service tiers: each `params.serviceTier` word it takes, mapped to its `service_tier` value; a tier
   * not listed is refused before sending. `{}` for a server without tiers.
   * @defaultValue OpenAI's: `default`, `auto`, `flex`, `priority`, `scale` (the `groq` preset: `default` → `on_demand`, `flex`, `performance`, `auto`)
   */
  serviceTiers?: Record<string, string>;
}

const openAIOptionsSchema = z.strictObject({
  ...providerOptionsShape,
  organization: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
  supportsPrefill: z.boolean().optional(),
  apiKeyEnv: z.string().min(1).optional(),
  baseURLEnv: z.string().min(1).optional(),
  api: z.enum(['chat', 'responses']).optional(),
  reasoning: z
    .strictObject({
      effort: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
      summary: z.enum(['auto', 'concise', 'detailed']).optional(),
    })
    .optional(),
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  requestLimitWindow: z.enum(['minute', 'day']).optional(),
  streamUsage: z.boolean().optional(),
  maxStopSequences: z.number().int().positive().optional(),
  apiKeyHeader: z.enum(['authorization', 'api-key']).optional(),
  omitFields: z.array(z.string().min(1)).optional(),
  renameFields: z.record(z.string().min(1), z.string().min(1)).optional(),
  batchApi: z.boolean().optional(),
  serviceTiers: z.record(z.string().min(1), z.string().min(1)).optional(),
});

/** OpenAI's own limit on `stop` (API reference, Create chat completion → `stop`: "Up to 4 sequences"). */
const OPENAI_MAX_STOP_SEQUENCES = 4;

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
const LABEL = 'openai() options';

/**
 * Creates a `ChatModel` for OpenAI Chat Completions or any OpenAI-compatible server (vLLM, llama.cpp, Ollama,
 * Groq, OpenRouter, …), with one keep-alive connection pool per call of `openai()`. With `api: 'responses'` (picked by
 * itself for OpenAI models that only the Responses API serves, such as `gpt-5-pro`, or on api.openai.com after its
 * "only supported in v1/responses" 404) it calls `/responses` instead, sending `store: false` unless
 * `params.extra.store` is set. OpenAI's reasoning models (gpt-5, o3, o4-mini…) get no `temperature` / `top_p`.
 *
 * Options are validated at once: an unknown key or a bad value throws `InvalidOptionsError` naming the field.
 * The key comes from `apiKey` or `OPENAI_API_KEY` (for `providerId: 'groq'`, `GROQ_API_KEY`…) and is required for
 * api.openai.com; local servers may go without (no `Authorization` header is sent then). A key is never sent over
 * plain `http://` to a host that is not loopback unless `allowInsecureKey: true`. The key is remembered as a secret
 * and never appears in errors or logs. `m.chat()` / `m.stream()` are cold, retry retryable errors (`maxRetries`,
 * default 2; streams only before their first chunk) and abort their socket when unsubscribed. Call
 * `m.provider.close?.()` to release the pool early; idle sockets never keep the process alive.
 *
 * @param options - Model, credentials, endpoint, timeouts, retries and default params.
 * @returns A `ChatModel`.
 *
 * @example
 * ```ts
 * import { openai } from 'rxllm';
 * const m = openai({ model: 'gpt-4o-mini', baseURL: process.env.BASE_URL });
 * m.chat('Say hi in one word.').subscribe((response) => console.log(response.text, response.usage));
 * ```
 */
export function openai(options: OpenAIOptions): ChatModel {
  const valid = validateOptions(openAIOptionsSchema, options, LABEL);
  const providerId = valid.providerId ?? 'openai';
  const envPrefix = providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const apiKeyEnv = valid.apiKeyEnv ?? `${envPrefix}_API_KEY`;
  const baseURL = resolveBaseURL(valid.baseURL, valid.baseURLEnv ?? `${envPrefix}_BASE_URL`, providerId);
  const { retry, ...connection } = resolveConnection(valid, valid.apiKey ?? process.env[apiKeyEnv], {
    label: LABEL,
    baseURL,
    apiKeyEnv,
    keyRequired: isOpenAIHost(baseURL),
  });
  const api = valid.api ?? (providerId === 'openai' && needsResponsesApi(valid.model) ? 'responses' : 'chat');
  if (valid.reasoning !== undefined && api !== 'responses') {
    throw new InvalidOptionsError(`${LABEL}.reasoning: only the Responses API takes it; set api: 'responses' (model ${valid.model}).`);
  }
  const serviceTiers = valid.serviceTiers ?? OPENAI_SERVICE_TIERS;
  wireServiceTier(serviceTiers, valid.params?.serviceTier, providerId, `${LABEL}.params.serviceTier`); // refused before anything is sent
  const shared = {
    id: providerId,
    serviceTiers,
    baseURL,
    batchApi: valid.batchApi ?? isOpenAIHost(baseURL),
    ...connection,
    ...(valid.organization === undefined ? {} : { organization: valid.organization }),
    ...(valid.project === undefined ? {} : { project: valid.project }),
    ...(valid.headers === undefined ? {} : { headers: valid.headers }),
  };
  const chatApi = () =>
    createOpenAIProvider({
      ...shared,
      supportsPrefill: valid.supportsPrefill ?? false,
      openAIModels: providerId === 'openai',
      ...(valid.maxTokensField === undefined ? {} : { maxTokensField: valid.maxTokensField }),
      ...(valid.requestLimitWindow === undefined ? {} : { requestLimitWindow: valid.requestLimitWindow }),
      ...(valid.apiKeyHeader === undefined ? {} : { apiKeyHeader: valid.apiKeyHeader }),
      ...(valid.omitFields === undefined ? {} : { omitFields: valid.omitFields }),
      ...(valid.renameFields === undefined ? {} : { renameFields: valid.renameFields }),
      ...(valid.streamUsage === undefined ? {} : { streamUsage: valid.streamUsage }),
      ...(valid.maxStopSequences !== undefined
        ? { maxStopSequences: valid.maxStopSequences }
        : isOpenAIHost(baseURL)
          ? { maxStopSequences: OPENAI_MAX_STOP_SEQUENCES }
          : {}),
    });
  const provider =
    api === 'responses'
      ? createResponsesProvider({ ...shared, ...(valid.reasoning === undefined ? {} : { reasoning: valid.reasoning }) })
      : routesOnResponsesOnly404({ providerId, baseURL, api: valid.api })
        ? responsesOnlyRouter(chatApi(), createResponsesProvider(shared))
        : chatApi();
  return customModel(provider, {
    model: valid.model,
    retry,
    ...(valid.params === undefined ? {} : { params: valid.params as ChatParams }),
    ...(valid.scheduler === undefined ? {} : { scheduler: valid.scheduler }),
  });
}

function resolveBaseURL(fromOptions: string | undefined, baseURLEnv: string, providerId: string): string {
  const baseURL = fromOptions ?? baseURLFromEnv(baseURLEnv, LABEL);
  if (baseURL !== undefined) return baseURL;
  if (providerId !== 'openai') {
    throw new InvalidOptionsError(`${LABEL}.baseURL: required for providerId '${providerId}'; pass baseURL or set ${baseURLEnv}.`);
  }
  return OPENAI_BASE_URL;
}
