import type { SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/llm-error.js';
import { compact } from '../internal/compact.js';
import { retryOptionsSchema, schedulerSchema } from '../internal/validate-options.js';
import { chatParamsSchema } from '../internal/chat-params-schema.js';
import { rememberSecret } from '../errors/redact-secrets.js';
import { createAgent, DEFAULT_CONNECTIONS } from '../transport/create-agent.js';
import type { HttpPostOptions } from '../transport/http-types.js';
import type { ChatParams, RetryOptions } from '../types.js';

/** Options every provider factory (`openai()`, `anthropic()`) takes. Unknown keys are errors. */
export interface ProviderOptions {
  /** Model name, as the server knows it. */
  model: string;
  /** API key; `''` sends none even when the environment variable is set. */
  apiKey?: string;
  /** Base URL of the API. */
  baseURL?: string;
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
  /** Provider id, named in errors and in `model.id`. */
  providerId?: string;
  /** Clock for retry waits. @defaultValue `asyncScheduler` */
  scheduler?: SchedulerLike;
}

/** zod schema of an http(s) URL. */
export const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

/** An HTTP header name: an RFC 9110 token. */
const headerNameSchema = z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'expected a header name (letters, digits and !#$%&\'*+-.^_`|~)');
/** An HTTP header value as undici sends it: tab, visible ASCII, or bytes 0x80 to 0xFF; never CR, LF or NUL. */
const headerValueSchema = z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'a header value may not hold CR, LF, NUL or other control characters');

const positiveMs = z.number().int().positive().max(2_147_483_647);

/** The zod shape of `ProviderOptions`, for the strict schemas of each factory. */
export const providerOptionsShape = {
  model: z.string().min(1, 'expected a model name'),
  apiKey: z.string().optional(),
  baseURL: httpUrlSchema.optional(),
  headers: z.record(headerNameSchema, headerValueSchema).optional(),
  timeout: positiveMs.optional(),
  connectTimeout: positiveMs.optional(),
  streamIdleTimeout: positiveMs.optional(),
  maxRetries: z.number().int().min(0).optional(),
  retry: retryOptionsSchema.optional(),
  params: chatParamsSchema.optional(),
  maxResponseBytes: z.number().int().positive().optional(),
  maxSockets: z.number().int().positive().optional(),
  allowInsecureKey: z.boolean().optional(),
  providerId: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'expected letters, digits, ".", "_" or "-"').optional(),
  scheduler: schedulerSchema.optional(),
};

/** What a factory needs to know to check and set up the connection. */
export interface ConnectionContext {
  /** How the options are named in errors, e.g. `openai() options`. */
  label: string;
  /** The resolved base URL. */
  baseURL: string;
  /** Where the key came from when not passed, for messages. */
  apiKeyEnv: string;
  /** True when this host cannot be used without a key (the provider's own API). */
  keyRequired: boolean;
}

/** The transport settings every provider adapter takes (`createOpenAIProvider`, `createAnthropicProvider`). */
export interface TransportSettings {
  /** Base URL of the API. */
  baseURL: string;
  /** The key to send; no key header when absent. */
  apiKey?: string;
  /** Extra headers, sent last (they override ours). */
  headers?: Record<string, string>;
  /** The provider's shared keep-alive agent; `close()` closes it. */
  dispatcher: HttpPostOptions['dispatcher'];
  /** Whole JSON request; time to the first stream byte. */
  timeoutMs: number;
  /** Longest wait between two stream chunks. */
  idleTimeoutMs: number;
  /** The agent's connect timeout (for error messages). */
  connectTimeoutMs?: number;
  /** Response body cap. */
  maxResponseBytes: number;
  /** True when the user set no `timeout`: a flex request then waits up to `FLEX_TIMEOUT_MS`. @defaultValue `false` */
  timeoutIsDefault?: boolean;
}

/** What `resolveConnection` makes of the options: transport settings plus the retry policy. */
export interface ProviderConnection extends Omit<TransportSettings, 'baseURL' | 'headers'> {
  connectTimeoutMs: number;
  retry: RetryOptions;
}

/**
 * Checks the key against the host (required for the provider's API; never sent over plain http to a host that is not
 * loopback unless `allowInsecureKey`), remembers every secret, and makes the keep-alive `Agent` and timeouts.
 * Throws `InvalidOptionsError` naming the field.
 */
export function resolveConnection(options: z.output<z.ZodObject<typeof providerOptionsShape>>, apiKey: string | undefined, context: ConnectionContext): ProviderConnection {
  const { label, baseURL, apiKeyEnv, keyRequired } = context;
  rememberSecret(apiKey);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (/authorization|key|token|secret/i.test(name)) rememberSecret(value);
  }
  const hasKey = apiKey !== undefined && apiKey !== '';
  const url = new URL(baseURL);
  if (!hasKey && keyRequired) {
    throw new InvalidOptionsError(`${label}.apiKey: an API key is required for ${url.host}; pass apiKey or set ${apiKeyEnv}.`);
  }
  if (hasKey && url.protocol === 'http:' && !isLoopbackHost(url.hostname) && options.allowInsecureKey !== true) {
    throw new InvalidOptionsError(
      `${label}.allowInsecureKey: refusing to send the API key${options.apiKey === undefined ? ` (from ${apiKeyEnv})` : ''} over plain http to ${url.host}; ` +
        `use https, pass apiKey: '' to send none, or set allowInsecureKey: true.`,
    );
  }
  const timeoutMs = options.timeout ?? 60_000;
  const connectTimeoutMs = options.connectTimeout ?? 10_000;
  return {
    ...(hasKey ? { apiKey } : {}),
    dispatcher: createAgent({ connections: options.maxSockets ?? DEFAULT_CONNECTIONS, connectTimeoutMs }),
    timeoutMs,
    timeoutIsDefault: options.timeout === undefined,
    idleTimeoutMs: options.streamIdleTimeout ?? timeoutMs,
    connectTimeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? 32 * 1024 * 1024,
    retry: { maxRetries: options.maxRetries ?? 2, ...compact(options.retry ?? {}) },
  };
}

/** Reads a base URL from the environment, checking that it is an http(s) URL. */
export function baseURLFromEnv(envName: string, label: string): string | undefined {
  const fromEnv = process.env[envName];
  if (fromEnv === undefined || fromEnv === '') return undefined;
  if (!httpUrlSchema.safeParse(fromEnv).success) {
    throw new InvalidOptionsError(`${label}.baseURL: ${envName} is not an http:// or https:// URL.`);
  }
  return fromEnv;
}

/** Loopback hosts, where plain http never leaves the machine. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]';
}

/**
 * The transport options of one POST to `url` with a provider's settings: its agent, timeouts and body cap.
 * `isLastEvent` marks the event that ends a stream, so the socket goes back to the pool at once; `readRateLimit` is the
 * adapter's reader of its provider's rate-limit headers.
 */
export function toHttpPost(
  settings: TransportSettings & { id?: string },
  post: Pick<HttpPostOptions, 'url' | 'headers' | 'provider' | 'body' | 'isLastEvent' | 'readError' | 'readRateLimit'>,
): HttpPostOptions {
  return {
    url: post.url,
    headers: post.headers,
    body: post.body,
    dispatcher: settings.dispatcher,
    provider: post.provider,
    timeoutMs: settings.timeoutMs,
    idleTimeoutMs: settings.idleTimeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
    ...(settings.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: settings.connectTimeoutMs }),
    ...(post.isLastEvent === undefined ? {} : { isLastEvent: post.isLastEvent }),
    ...(post.readError === undefined ? {} : { readError: post.readError }),
    ...(post.readRateLimit === undefined ? {} : { readRateLimit: post.readRateLimit }),
  };
}
