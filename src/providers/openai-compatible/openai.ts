import { z } from 'zod';
import { createChatModel } from '../../chat-model.js';
import { InvalidOptionsError } from '../../errors.js';
import { chatParamsSchema } from '../../resolve-prompt.js';
import { rememberSecret } from '../../secrets.js';
import { createAgent, DEFAULT_CONNECTIONS } from '../../transport/create-agent.js';
import type { ChatParams, RetryOptions } from '../../types.js';
import { validateOptions } from '../../validate-options.js';
import type { ChatModel } from '../provider.js';
import { createOpenAIProvider, isOpenAIHost } from './openai-provider.js';

/** Options of `openai()`. Unknown keys are errors. */
export interface OpenAIOptions {
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
  /** Extra request headers, sent last. Values of headers named like `*key*`, `*token*`, `authorization` are treated as secrets. */
  headers?: Record<string, string>;
  /** Whole request (JSON); time to the first byte (streams), in ms. @defaultValue `60000` */
  timeout?: number;
  /** TCP/TLS connect timeout in ms (checked on undici's coarse, ~0.5 s timer). @defaultValue `10000` */
  connectTimeout?: number;
  /** Longest wait between two stream chunks, in ms. @defaultValue `timeout` */
  streamIdleTimeout?: number;
  /** Retries after the first attempt; shorthand for `retry.maxRetries` (which wins when both are set). @defaultValue `2` */
  maxRetries?: number;
  /** Retry policy of `chat` and `stream` (pipelines may set their own). */
  retry?: RetryOptions;
  /** Default generation parameters. */
  params?: ChatParams;
  /** Response body cap in bytes. @defaultValue `33554432` (32 MiB) */
  maxResponseBytes?: number;
  /** Most sockets open to the server; size it for your concurrency. @defaultValue `256` */
  maxSockets?: number;
  /** Allow sending the key over plain `http://` to a host that is not loopback. @defaultValue `false` */
  allowInsecureKey?: boolean;
  /** The server continues a trailing assistant message (prefill), so `resumeStreams` can use it. @defaultValue `false` */
  supportsPrefill?: boolean;
  /** Provider id for this OpenAI-compatible host (`groq`, `openrouter`, `ollama`, `vllm`, …). @defaultValue `'openai'` */
  providerId?: string;
  /** Environment variable holding the key. @defaultValue `${PROVIDERID}_API_KEY`, e.g. `OPENAI_API_KEY`, `GROQ_API_KEY` */
  apiKeyEnv?: string;
  /** Environment variable holding the base URL. @defaultValue `${PROVIDERID}_BASE_URL`, e.g. `OPENAI_BASE_URL` */
  baseURLEnv?: string;
}

/** zod schema of `RetryOptions`; unknown keys are errors. */
export const retryOptionsSchema = z.strictObject({
  maxRetries: z.number().int().min(0).optional(),
  initialDelayMs: z.number().min(0).optional(),
  maxDelayMs: z.number().min(0).optional(),
  maxRetryAfterMs: z.number().min(0).optional(),
  jitter: z.boolean().optional(),
});

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
const positiveMs = z.number().int().positive().max(2_147_483_647);

const openAIOptionsSchema = z.strictObject({
  model: z.string().min(1, 'expected a model name'),
  apiKey: z.string().optional(),
  baseURL: httpUrl.optional(),
  organization: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeout: positiveMs.optional(),
  connectTimeout: positiveMs.optional(),
  streamIdleTimeout: positiveMs.optional(),
  maxRetries: z.number().int().min(0).optional(),
  retry: retryOptionsSchema.optional(),
  params: chatParamsSchema.optional(),
  maxResponseBytes: z.number().int().positive().optional(),
  maxSockets: z.number().int().positive().optional(),
  allowInsecureKey: z.boolean().optional(),
  supportsPrefill: z.boolean().optional(),
  providerId: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'expected letters, digits, ".", "_" or "-"').optional(),
  apiKeyEnv: z.string().min(1).optional(),
  baseURLEnv: z.string().min(1).optional(),
});

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
const LABEL = 'openai() options';

/**
 * Creates a `ChatModel` for OpenAI Chat Completions or any OpenAI-compatible server (vLLM, llama.cpp, Ollama,
 * Groq, OpenRouter, …), with one keep-alive connection pool per call of `openai()`.
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
  const baseURLEnv = valid.baseURLEnv ?? `${envPrefix}_BASE_URL`;

  const baseURL = resolveBaseURL(valid.baseURL, baseURLEnv, providerId);
  const apiKey = valid.apiKey ?? process.env[apiKeyEnv];
  rememberSecret(apiKey);
  for (const [name, value] of Object.entries(valid.headers ?? {})) {
    if (/authorization|key|token|secret/i.test(name)) rememberSecret(value);
  }
  const hasKey = apiKey !== undefined && apiKey !== '';
  const url = new URL(baseURL);
  if (!hasKey && isOpenAIHost(baseURL)) {
    throw new InvalidOptionsError(`${LABEL}.apiKey: an API key is required for ${url.host}; pass apiKey or set ${apiKeyEnv}.`);
  }
  if (hasKey && url.protocol === 'http:' && !isLoopbackHost(url.hostname) && valid.allowInsecureKey !== true) {
    throw new InvalidOptionsError(
      `${LABEL}.allowInsecureKey: refusing to send the API key${valid.apiKey === undefined ? ` (from ${apiKeyEnv})` : ''} over plain http to ${url.host}; ` +
        `use https, pass apiKey: '' to send none, or set allowInsecureKey: true.`,
    );
  }

  const timeoutMs = valid.timeout ?? 60_000;
  const connectTimeoutMs = valid.connectTimeout ?? 10_000;
  const dispatcher = createAgent({ connections: valid.maxSockets ?? DEFAULT_CONNECTIONS, connectTimeoutMs });
  const provider = createOpenAIProvider({
    id: providerId,
    baseURL,
    ...(hasKey ? { apiKey } : {}),
    ...(valid.organization === undefined ? {} : { organization: valid.organization }),
    ...(valid.project === undefined ? {} : { project: valid.project }),
    ...(valid.headers === undefined ? {} : { headers: valid.headers }),
    dispatcher,
    timeoutMs,
    idleTimeoutMs: valid.streamIdleTimeout ?? timeoutMs,
    connectTimeoutMs,
    maxResponseBytes: valid.maxResponseBytes ?? 32 * 1024 * 1024,
    supportsPrefill: valid.supportsPrefill ?? false,
  });
  const retry: RetryOptions = { maxRetries: valid.maxRetries ?? 2, ...dropUndefined(valid.retry ?? {}) };
  return createChatModel(provider, { model: valid.model, retry, ...(valid.params === undefined ? {} : { params: valid.params as ChatParams }) });
}

function resolveBaseURL(fromOptions: string | undefined, baseURLEnv: string, providerId: string): string {
  if (fromOptions !== undefined) return fromOptions;
  const fromEnv = process.env[baseURLEnv];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!httpUrl.safeParse(fromEnv).success) {
      throw new InvalidOptionsError(`${LABEL}.baseURL: ${baseURLEnv} is not an http:// or https:// URL.`);
    }
    return fromEnv;
  }
  if (providerId !== 'openai') {
    throw new InvalidOptionsError(`${LABEL}.baseURL: required for providerId '${providerId}'; pass baseURL or set ${baseURLEnv}.`);
  }
  return OPENAI_BASE_URL;
}

/** Loopback hosts, where plain http never leaves the machine. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]';
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
