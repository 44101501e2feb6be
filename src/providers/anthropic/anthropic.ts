import type { SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { createChatModel } from '../../chat-model.js';
import { InvalidOptionsError } from '../../errors.js';
import { chatParamsSchema } from '../../resolve-prompt.js';
import { rememberSecret } from '../../secrets.js';
import { createAgent, DEFAULT_CONNECTIONS } from '../../transport/create-agent.js';
import type { ChatParams, RetryOptions } from '../../types.js';
import { validateOptions } from '../../validate-options.js';
import { retryOptionsSchema } from '../openai-compatible/openai.js';
import type { ChatModel } from '../provider.js';
import { ANTHROPIC_VERSION, createAnthropicProvider } from './anthropic-provider.js';

/** Options of `anthropic()`. Unknown keys are errors. */
export interface AnthropicOptions {
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
  /** Extra request headers, sent last (e.g. `anthropic-beta`). Values of headers named like `*key*`, `*token*`, `authorization` are treated as secrets. */
  headers?: Record<string, string>;
  /** Whole request (JSON); time to the first byte (streams), in ms. @defaultValue `60000` */
  timeout?: number;
  /** TCP/TLS connect timeout in ms. @defaultValue `10000` */
  connectTimeout?: number;
  /** Longest wait between two stream chunks, in ms (Anthropic sends `ping` events on long streams). @defaultValue `timeout` */
  streamIdleTimeout?: number;
  /** Retries after the first attempt; shorthand for `retry.maxRetries` (which wins when both are set). @defaultValue `2` */
  maxRetries?: number;
  /** Retry policy of `chat` and `stream` (pipelines may set their own). */
  retry?: RetryOptions;
  /** Default generation parameters (`params.maxTokens` wins over `maxTokens`). */
  params?: ChatParams;
  /**
   * `max_tokens` for requests that set no `maxTokens`: the Messages API requires one. It is also what rate limiters
   * and budgets reserve as the worst-case output. @defaultValue `4096`
   */
  maxTokens?: number;
  /** Response body cap in bytes. @defaultValue `33554432` (32 MiB) */
  maxResponseBytes?: number;
  /** Most sockets open to the server; size it for your concurrency. @defaultValue `256` */
  maxSockets?: number;
  /** Allow sending the key over plain `http://` to a host that is not loopback. @defaultValue `false` */
  allowInsecureKey?: boolean;
  /** `anthropic-version` header. @defaultValue `'2023-06-01'` */
  anthropicVersion?: string;
  /** Provider id, for Anthropic-compatible hosts. @defaultValue `'anthropic'` */
  providerId?: string;
  /** Clock for retry waits. @defaultValue `asyncScheduler` */
  scheduler?: SchedulerLike;
}

/** `max_tokens` sent when neither the request nor the factory sets one. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
const LABEL = 'anthropic() options';

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
const positiveMs = z.number().int().positive().max(2_147_483_647);

const anthropicOptionsSchema = z.strictObject({
  model: z.string().min(1, 'expected a model name'),
  apiKey: z.string().optional(),
  baseURL: httpUrl.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeout: positiveMs.optional(),
  connectTimeout: positiveMs.optional(),
  streamIdleTimeout: positiveMs.optional(),
  maxRetries: z.number().int().min(0).optional(),
  retry: retryOptionsSchema.optional(),
  params: chatParamsSchema.optional(),
  maxTokens: z.number().int().positive().optional(),
  maxResponseBytes: z.number().int().positive().optional(),
  maxSockets: z.number().int().positive().optional(),
  allowInsecureKey: z.boolean().optional(),
  anthropicVersion: z.string().min(1).optional(),
  providerId: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'expected letters, digits, ".", "_" or "-"').optional(),
  scheduler: z
    .custom<SchedulerLike>((value) => {
      const scheduler = value as Partial<SchedulerLike> | null | undefined;
      return typeof scheduler?.now === 'function' && typeof scheduler.schedule === 'function';
    }, 'expected a SchedulerLike')
    .optional(),
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
 * Structured output (`responseFormat: { type: 'json_schema' }`) is sent as a forced tool call; the answer's `text` is
 * the tool input as JSON.
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
  const providerId = valid.providerId ?? 'anthropic';
  const baseURL = resolveBaseURL(valid.baseURL);
  const apiKey = valid.apiKey ?? process.env.ANTHROPIC_API_KEY;
  rememberSecret(apiKey);
  for (const [name, value] of Object.entries(valid.headers ?? {})) {
    if (/authorization|key|token|secret/i.test(name)) rememberSecret(value);
  }
  const hasKey = apiKey !== undefined && apiKey !== '';
  const url = new URL(baseURL);
  if (!hasKey && url.hostname.toLowerCase() === 'api.anthropic.com') {
    throw new InvalidOptionsError(`${LABEL}.apiKey: an API key is required for ${url.host}; pass apiKey or set ANTHROPIC_API_KEY.`);
  }
  if (hasKey && url.protocol === 'http:' && !isLoopbackHost(url.hostname) && valid.allowInsecureKey !== true) {
    throw new InvalidOptionsError(
      `${LABEL}.allowInsecureKey: refusing to send the API key${valid.apiKey === undefined ? ' (from ANTHROPIC_API_KEY)' : ''} over plain http to ${url.host}; ` +
        `use https, pass apiKey: '' to send none, or set allowInsecureKey: true.`,
    );
  }

  const timeoutMs = valid.timeout ?? 60_000;
  const connectTimeoutMs = valid.connectTimeout ?? 10_000;
  const maxTokens = valid.maxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  const dispatcher = createAgent({ connections: valid.maxSockets ?? DEFAULT_CONNECTIONS, connectTimeoutMs });
  const provider = createAnthropicProvider({
    id: providerId,
    baseURL,
    ...(hasKey ? { apiKey } : {}),
    version: valid.anthropicVersion ?? ANTHROPIC_VERSION,
    ...(valid.headers === undefined ? {} : { headers: valid.headers }),
    dispatcher,
    timeoutMs,
    idleTimeoutMs: valid.streamIdleTimeout ?? timeoutMs,
    connectTimeoutMs,
    maxResponseBytes: valid.maxResponseBytes ?? 32 * 1024 * 1024,
    defaultMaxTokens: maxTokens,
  });
  const retry: RetryOptions = { maxRetries: valid.maxRetries ?? 2, ...dropUndefined(valid.retry ?? {}) };
  // maxTokens rides in the default params so that limiters, budgets and estimates see the real worst case.
  const params: ChatParams = { maxTokens, ...(valid.params as ChatParams | undefined) };
  return createChatModel(provider, {
    model: valid.model,
    retry,
    params,
    ...(valid.scheduler === undefined ? {} : { scheduler: valid.scheduler }),
  });
}

function resolveBaseURL(fromOptions: string | undefined): string {
  if (fromOptions !== undefined) return stripVersion(fromOptions);
  const fromEnv = process.env.ANTHROPIC_BASE_URL;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!httpUrl.safeParse(fromEnv).success) {
      throw new InvalidOptionsError(`${LABEL}.baseURL: ANTHROPIC_BASE_URL is not an http:// or https:// URL.`);
    }
    return stripVersion(fromEnv);
  }
  return ANTHROPIC_BASE_URL;
}

/** Accepts a base URL given with a trailing `/v1` too (a common slip), since `/v1/messages` is appended. */
function stripVersion(baseURL: string): string {
  return baseURL.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** Loopback hosts, where plain http never leaves the machine. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]';
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
