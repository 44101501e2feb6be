import type { LlmError } from './errors/llm-error.js';
import type { RateLimitInfo } from './errors/rate-limit-info.js';

/**
 * Who wrote a message. `developer` is OpenAI's name for instructions (o1 and newer); OpenAI-compatible servers get
 * it as is, Anthropic folds it into `system` like a system message.
 *
 * @example
 * ```ts
 * import type { ChatMessage, Role } from 'rxllm';
 * const role: Role = 'system';
 * const message: ChatMessage = { role, content: 'Answer in French.' };
 * console.log(message);
 * ```
 */
export type Role = 'system' | 'developer' | 'user' | 'assistant';

/**
 * One message of a conversation.
 *
 * @example
 * ```ts
 * import { openai, type ChatMessage } from 'rxllm';
 * const conversation: ChatMessage[] = [
 *   { role: 'system', content: 'Answer in one word.' },
 *   { role: 'user', content: 'What is the capital of Peru?' },
 * ];
 * openai({ model: 'gpt-4o-mini' }).chat(conversation).subscribe((response) => console.log(response.text));
 * ```
 */
export interface ChatMessage {
  role: Role;
  /** A string, or a list of parts (images and documents only in `user` messages). */
  content: string | ContentPart[];
}

/**
 * Anthropic's prompt-cache breakpoint, sent as `cache_control` on the part (OpenAI-compatible servers cache by
 * themselves and are sent nothing for it).
 *
 * @example
 * ```ts
 * import type { CacheControl, ChatMessage } from 'rxllm';
 * const cacheControl: CacheControl = { type: 'ephemeral', ttl: '1h' };
 * const system: ChatMessage = { role: 'system', content: [{ type: 'text', text: 'A long style guide…', cacheControl }] };
 * console.log(system);
 * ```
 */
export interface CacheControl {
  type: 'ephemeral';
  /** How long the cache entry lives. @defaultValue `'5m'` (the provider's default) */
  ttl?: '5m' | '1h';
}

/**
 * A piece of text in a message's parts.
 *
 * @example
 * ```ts
 * import type { TextPart } from 'rxllm';
 * const part: TextPart = { type: 'text', text: 'What is in this picture?' };
 * console.log(part);
 * ```
 */
export interface TextPart {
  type: 'text';
  text: string;
  cacheControl?: CacheControl;
}

/** What every image part may say besides its source. */
interface ImagePartBase {
  type: 'image';
  /** OpenAI's `detail` (`low` costs a flat 85 tokens); Anthropic ignores it. @defaultValue `'auto'` */
  detail?: 'auto' | 'low' | 'high';
  /** Width in pixels, when known: only for the token estimate, never sent. */
  width?: number;
  /** Height in pixels, when known: only for the token estimate, never sent. */
  height?: number;
  cacheControl?: CacheControl;
}

/**
 * An image, by `url` (http or https) or as base64 `data` with its `mediaType`. OpenAI-compatible servers get an
 * `image_url` part (base64 as a `data:` URL), Anthropic an `image` block with a `base64` or `url` source. Only in
 * `user` messages.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { openai, type ImagePart } from 'rxllm';
 * const byUrl: ImagePart = { type: 'image', url: 'https://example.com/cat.jpg' };
 * const inline: ImagePart = { type: 'image', data: readFileSync('cat.png').toString('base64'), mediaType: 'image/png' };
 * openai({ model: 'gpt-4o-mini' })
 *   .chat([{ role: 'user', content: [{ type: 'text', text: 'Same animal in both?' }, byUrl, inline] }])
 *   .subscribe((response) => console.log(response.text));
 * ```
 */
export type ImagePart =
  | (ImagePartBase & { url: string; data?: never; mediaType?: never })
  | (ImagePartBase & { data: string; mediaType: 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp'; url?: never });

/** What every document part may say besides its source. */
interface DocumentPartBase {
  type: 'document';
  /** Shown to the model as the document's title (Anthropic `title`). */
  title?: string;
  /** Number of pages, when known: only for the token estimate, never sent. */
  pages?: number;
  cacheControl?: CacheControl;
}

/**
 * A PDF document, by `url` or as base64 `data` (`mediaType: 'application/pdf'`). Anthropic only: an OpenAI-compatible
 * model refuses it before sending. Only in `user` messages.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { anthropic, type DocumentPart } from 'rxllm';
 * const report: DocumentPart = { type: 'document', data: readFileSync('report.pdf').toString('base64'), mediaType: 'application/pdf' };
 * anthropic({ model: 'claude-haiku-4-5' })
 *   .chat([{ role: 'user', content: [report, { type: 'text', text: 'Summarise this report.' }] }])
 *   .subscribe((response) => console.log(response.text));
 * ```
 */
export type DocumentPart =
  | (DocumentPartBase & { url: string; data?: never; mediaType?: never })
  | (DocumentPartBase & { data: string; mediaType: 'application/pdf'; url?: never });

/**
 * One part of a message's content: text, an image or a document. The shape is the same for every provider; each
 * adapter maps it to its wire format.
 *
 * @example
 * ```ts
 * import type { ContentPart } from 'rxllm';
 * const parts: ContentPart[] = [
 *   { type: 'text', text: 'Describe the chart.' },
 *   { type: 'image', url: 'https://example.com/chart.png', width: 800, height: 600 },
 * ];
 * console.log(parts.length);
 * ```
 */
export type ContentPart = TextPart | ImagePart | DocumentPart;

/**
 * How the model should shape its answer.
 *
 * @example
 * ```ts
 * import { openai, type ResponseFormat } from 'rxllm';
 * const responseFormat: ResponseFormat = {
 *   type: 'json_schema',
 *   name: 'city',
 *   schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
 * };
 * openai({ model: 'gpt-4o-mini' })
 *   .chat('What is the capital of Peru?', { responseFormat })
 *   .subscribe((response) => console.log(JSON.parse(response.text))); // { city: 'Lima' }
 * ```
 */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      /** Name of the schema, `[a-zA-Z0-9_-]{1,64}`. */
      name: string;
      /** A JSON Schema object. */
      schema: Record<string, unknown>;
      /** Ask the provider to enforce the schema exactly. @defaultValue `true` */
      strict?: boolean;
      description?: string;
    };

/**
 * A service tier to ask for: `'flex'` (cheaper, slower, may be refused for capacity), `'priority'`, `'default'` (the
 * provider's standard tier: Groq `on_demand`, Anthropic `standard_only`), `'auto'`, or a provider's own word
 * (`'scale'`, Groq `'performance'`). A tier the provider lacks is refused before anything is sent.
 *
 * @example
 * ```ts
 * import { openai, type ServiceTier } from 'rxllm';
 * const serviceTier: ServiceTier = 'flex';
 * openai({ model: 'gpt-5', params: { serviceTier } }).chat('Label this review: "great"').subscribe((r) => console.log(r.serviceTier, r.text));
 * ```
 */
export type ServiceTier = 'flex' | 'priority' | 'default' | 'auto' | (string & {});

/**
 * Generation parameters, camelCase. They may be set on the provider factory, per call, or per prompt;
 * later levels win field by field.
 *
 * @example
 * ```ts
 * import { openai, type ChatParams } from 'rxllm';
 * const params: ChatParams = { maxTokens: 200, temperature: 0, stop: ['\n\n'], extra: { logprobs: true } };
 * const model = openai({ model: 'gpt-4o-mini', params }); // defaults for every request of this model
 * model.chat('Name a prime.', { temperature: 0.7 }).subscribe((response) => console.log(response.text)); // per call
 * ```
 */
export interface ChatParams {
  /** Most tokens the model may write. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string | string[];
  seed?: number;
  responseFormat?: ResponseFormat;
  /** The service tier to ask for (`service_tier` on the wire); see `ServiceTier`. @defaultValue the provider's own default */
  serviceTier?: ServiceTier;
  /** Override the model for this request. */
  model?: string;
  /**
   * Raw, provider-specific fields merged into the wire body last (escape hatch), e.g.
   * `{ logprobs: true }` for OpenAI or `{ top_k: 5 }` for Anthropic.
   */
  extra?: Record<string, unknown>;
}

/**
 * A full request: the messages plus per-request parameters.
 *
 * @example
 * ```ts
 * import { openai, parallelChat, type ChatRequest } from 'rxllm';
 * const request: ChatRequest = {
 *   messages: [{ role: 'user', content: 'Write a limerick about queues.' }],
 *   params: { maxTokens: 120, temperature: 1 },
 * };
 * const [answer] = await parallelChat(openai({ model: 'gpt-4o-mini' }), [request]);
 * console.log(answer);
 * ```
 */
export interface ChatRequest {
  messages: ChatMessage[];
  params?: ChatParams;
}

/**
 * A prompt: one user message, a conversation, or a full request.
 *
 * @example
 * ```ts
 * import { openai, parallelChatText, type Prompt } from 'rxllm';
 * const prompts: Prompt[] = [
 *   'What is the capital of Peru?', // one user message
 *   [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is the capital of Chile?' }], // a conversation
 *   { messages: [{ role: 'user', content: 'What is the capital of Chad?' }], params: { maxTokens: 5 } }, // a full request
 * ];
 * console.log(await parallelChatText(openai({ model: 'gpt-4o-mini' }), prompts));
 * ```
 */
export type Prompt = string | ChatMessage[] | ChatRequest | PromptItem;

/**
 * A prompt with a label of your own: `id` and `meta` come back on its result (`ChatResult`, `StreamItem`, and in the
 * Promise wrappers on the `ChatResponse` or `LlmError`), so nobody tracks indices by hand. Exactly one of `prompt`
 * (a string or messages) or `messages`; `params` as in a `ChatRequest`. Ids are yours: the library never reads them,
 * and duplicates are allowed (every result also keeps its input `index`, which is unique).
 *
 * @example
 * ```ts
 * import { openai, parallelChat, type PromptItem } from 'rxllm';
 * const items: PromptItem<{ country: string }>[] = [
 *   { id: 'q1', prompt: 'Capital of Peru?', meta: { country: 'PE' } },
 *   { id: 'q2', messages: [{ role: 'user', content: 'Capital of Chad?' }], params: { maxTokens: 10 }, meta: { country: 'TD' } },
 * ];
 * for (const result of await parallelChat(openai({ model: 'gpt-4o-mini' }), items)) {
 *   if (result !== null) console.log(result.id, result.meta, result instanceof Error ? result.message : result.text);
 * }
 * ```
 */
export interface PromptItem<M = unknown> {
  /** Your label for the prompt: a non-empty string (at most 1024 characters) or a safe integer. */
  id?: PromptId;
  /** One user message, or a conversation. Exactly one of `prompt` and `messages`. */
  prompt?: string | ChatMessage[];
  /** The conversation. Exactly one of `prompt` and `messages`. */
  messages?: ChatMessage[];
  /** Parameters for this prompt; they win over the call's and the model's. */
  params?: ChatParams;
  /** Anything of yours, carried to the result untouched (never sent). */
  meta?: M;
}

/**
 * A prompt item's `id`: a non-empty string or a safe integer. `"5"` and `5` are different ids, as in JSON.
 *
 * @example
 * ```ts
 * import type { PromptId } from 'rxllm';
 * const ids: PromptId[] = ['invoice-17', 42];
 * console.log(ids);
 * ```
 */
export type PromptId = string | number;

/**
 * Token usage reported by the server.
 *
 * @example
 * ```ts
 * import { costOf, openai, type Usage } from 'rxllm';
 * openai({ model: 'gpt-4o-mini' }).chat('Say hi.').subscribe((response) => {
 *   const usage: Usage = response.usage;
 *   console.log(usage.inputTokens, usage.outputTokens, costOf('openai/gpt-4o-mini', usage));
 * });
 * ```
 */
export interface Usage {
  /** Every input token, cached or not (for Anthropic: `input_tokens` + cache reads + cache writes). */
  inputTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** The part of `inputTokens` read from the provider's prompt cache, when the provider reports it. */
  cachedInputTokens?: number;
  /** The part of `inputTokens` written to the provider's prompt cache (Anthropic), when the provider reports it. */
  cacheWriteInputTokens?: number;
  /** The part of `outputTokens` the model spent reasoning (billed as output), when the provider reports it. */
  reasoningTokens?: number;
}

export type { RateLimitInfo } from './errors/rate-limit-info.js';

/**
 * Where a limit in force came from: set by the user (`'configured'`), learned from the provider's rate-limit headers
 * (`'headers'`), or adapted by the limiter itself (`'adapted'`: slowed after headerless 429s, or an `'auto'` budget
 * still at its conservative start).
 */
export type LimitSource = 'configured' | 'headers' | 'adapted';

/**
 * One limit in force: per minute, and where it came from.
 *
 * @example
 * ```ts
 * import type { LimitInForce } from 'rxllm';
 * const rpm: LimitInForce = { value: 480, source: 'headers' };
 * console.log(`${Math.round(rpm.value)} rpm (${rpm.source})`);
 * ```
 */
export interface LimitInForce {
  /** Per minute (requests or tokens). */
  value: number;
  source: LimitSource;
}

/**
 * The limits a limiter applies at the moment (`RateLimiter.limitsInForce`). A token limit is absent while it is
 * neither configured nor learned yet.
 *
 * @example
 * ```ts
 * import { rateLimiter, type LimitsInForce } from 'rxllm';
 * const limits: LimitsInForce = rateLimiter({ rpm: 'auto', tpm: 'auto' }).limitsInForce!();
 * console.log(limits.rpm); // { value: 60, source: 'adapted' }: the conservative start, until headers arrive
 * ```
 */
export interface LimitsInForce {
  /** The request pace in force. */
  rpm: LimitInForce;
  tpm?: LimitInForce;
  inputTpm?: LimitInForce;
  outputTpm?: LimitInForce;
}


/**
 * One complete answer.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * import { openai, type ChatResponse } from 'rxllm';
 * const response: ChatResponse = await lastValueFrom(openai({ model: 'gpt-4o-mini' }).chat('Say hi.'));
 * console.log(response.text, response.finishReason, response.usage, response.model, response.requestId);
 * ```
 */
export interface ChatResponse {
  /** The answer; for a refusal, the refusal text. */
  text: string;
  /** The provider's word (`stop`, `length`, `end_turn`, …); `'refusal'` when the model refused. */
  finishReason: string | null;
  usage: Usage;
  model: string;
  requestId?: string;
  rateLimit?: RateLimitInfo;
  /** USD at the rate the answer was billed, where rxllm knows it (`batchChat` sets it, at the batch price). */
  cost?: number;
  /**
   * The tier that served the request, in the provider's own word (OpenAI `service_tier`: `default`, `flex`,
   * `priority`…; Anthropic `usage.service_tier`: `standard`, `priority`, `batch`), when the response says it.
   */
  serviceTier?: string;
  /** The parsed body as the server sent it. */
  raw: unknown;
  /** In the Promise wrappers: the `PromptItem`'s `id` (the provider's own id is `requestId`, or in `raw`). */
  id?: PromptId;
  /** In the Promise wrappers: the `PromptItem`'s `meta`. */
  meta?: unknown;
}

/**
 * One streamed piece of an answer.
 *
 * @example
 * ```ts
 * import { openai, type ChatChunk } from 'rxllm';
 * openai({ model: 'gpt-4o-mini' }).stream('Count to five.').subscribe((chunk: ChatChunk) => {
 *   process.stdout.write(chunk.text);
 *   if (chunk.usage !== undefined) console.log(`\n${chunk.finishReason}`, chunk.usage);
 * });
 * ```
 */
export interface ChatChunk {
  /** The text delta; `""` when this chunk carries none. */
  text: string;
  /** Set on the last content chunk (or the final chunk). */
  finishReason?: string | null;
  /** Set on the final chunk. */
  usage?: Usage;
  /** Set on the first chunk of a response when the server says it. */
  requestId?: string;
  model?: string;
  rateLimit?: RateLimitInfo;
  /** Set on the final chunk (usage): the tier that served the request, as in `ChatResponse.serviceTier`. */
  serviceTier?: string;
}

/**
 * The outcome of one prompt in a pipeline, tagged with its input index.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, openai, type ChatResult } from 'rxllm';
 * const describe = (result: ChatResult) =>
 *   result.ok
 *     ? `#${result.index}: ${result.response.text}`
 *     : `#${result.index} failed after ${result.attempts} attempt(s): ${result.error.message}`;
 * from(['Say hi.', 'Say hello.'])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' })))
 *   .subscribe((result) => console.log(describe(result)));
 * ```
 */
export type ChatResult =
  | ({ index: number; prompt: Prompt; ok: true; response: ChatResponse; attempts: number } & ItemTag)
  | ({ index: number; prompt: Prompt; ok: false; error: LlmError; attempts: number } & ItemTag);

/**
 * One result of `chatEachStructured`: the validated `value` with the response, its `usage` and `cost`, or the item's
 * error (`StructuredOutputError` / `RefusalError` for an answer that fails the schema, which keeps the `response`,
 * `usage` and `cost` it was paid with; another `LlmError` when no answer came).
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { z } from 'zod';
 * import { chatEachStructured, openai, type StructuredResult } from 'rxllm';
 * const City = z.object({ city: z.string() });
 * const show = (result: StructuredResult<z.infer<typeof City>>) => (result.ok ? result.value.city : result.error.message);
 * from(['Capital of Peru?']).pipe(chatEachStructured(openai({ model: 'gpt-4o-mini' }), City)).subscribe((result) => console.log(show(result)));
 * ```
 */
export type StructuredResult<T> =
  | ({ index: number; prompt: Prompt; ok: true; value: T; response: ChatResponse; usage: Usage; cost: number | undefined; attempts: number } & ItemTag)
  | ({
      index: number;
      prompt: Prompt;
      ok: false;
      error: LlmError;
      /** The answer that failed the schema; absent when no answer came. */
      response?: ChatResponse;
      /** The failed answer's usage (paid for); absent when no answer came. */
      usage?: Usage;
      /** The failed answer's cost in USD; absent when no answer came, `undefined` when the model has no price. */
      cost?: number | undefined;
      attempts: number;
    } & ItemTag);

/**
 * What a result carries of its `PromptItem`: its `id` and `meta`, each present only when the item had it.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, openai, type ItemTag } from 'rxllm';
 * const label = ({ id, meta }: ItemTag) => `${String(id)} ${JSON.stringify(meta)}`;
 * from([{ id: 'a', prompt: 'Say hi.', meta: { batch: 1 } }])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' })))
 *   .subscribe((result) => console.log(label(result), result.ok));
 * ```
 */
export interface ItemTag {
  /** The item's `id`. */
  id?: PromptId;
  /** The item's `meta`. */
  meta?: unknown;
}

/**
 * Retry policy for one prompt.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, openai, type RetryOptions } from 'rxllm';
 * const retry: RetryOptions = { maxRetries: 5, initialDelayMs: 1_000, maxDelayMs: 30_000 };
 * from(['Say hi.'])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' }), { retry }))
 *   .subscribe((result) => console.log(`${result.attempts} attempt(s)`));
 * ```
 */
export interface RetryOptions {
  /** Retries after the first attempt. @defaultValue `2` */
  maxRetries?: number;
  /** First backoff delay; doubles each retry. @defaultValue `500` */
  initialDelayMs?: number;
  /** Cap on the backoff delay. @defaultValue `8000` */
  maxDelayMs?: number;
  /** Longest server-requested wait (`retry-after`) honoured; longer asks fail the item instead. @defaultValue `60000` */
  maxRetryAfterMs?: number;
  /** Randomise each delay (full jitter between half and all of it). @defaultValue `true` */
  jitter?: boolean;
}

/**
 * What a provider adapter receives: messages plus fully merged parameters and the model name.
 *
 * @example
 * ```ts
 * import { openai, type ProviderRequest } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini', params: { temperature: 0 } });
 * const request: ProviderRequest = model.resolve('Say hi.', { maxTokens: 50 });
 * console.log(request);
 * // { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi.' }], params: { temperature: 0, maxTokens: 50 } }
 * ```
 */
export interface ProviderRequest {
  model: string;
  messages: ChatMessage[];
  params: ChatParams;
}
