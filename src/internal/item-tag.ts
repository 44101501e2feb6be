import type { ChatMessage, ChatParams, ChatRequest, ItemTag, Prompt, PromptItem } from '../types.js';

/** Every field a `PromptItem` may have. */
export const ITEM_FIELDS: ReadonlySet<string> = new Set(['id', 'prompt', 'messages', 'params', 'meta']);

/** The keys that make an object a `PromptItem` rather than a `ChatRequest` (`{ messages, params }` is both). */
const ITEM_KEYS = ['prompt', 'id', 'meta'] as const;

/** True when `prompt` is a `PromptItem`: an object (not an array) with a `prompt`, `id` or `meta` field. */
export function isPromptItem(prompt: unknown): prompt is PromptItem {
  if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt)) return false;
  for (const key of ITEM_KEYS) if (key in prompt) return true;
  return false;
}

/**
 * The `id` and `meta` a prompt item carries to its result, each only when present (and the id only when it is a
 * valid one: an item with a bad id fails with `InvalidOptionsError`, and its result carries no id); `undefined`
 * for strings, messages, requests and items with neither.
 */
export function itemTagOf(prompt: Prompt): ItemTag | undefined {
  if (typeof prompt === 'string' || Array.isArray(prompt) || !isPromptItem(prompt)) return undefined;
  const { id, meta } = prompt;
  const validId = isPromptId(id);
  if (!validId && meta === undefined) return undefined;
  const tag: ItemTag = {};
  if (validId) tag.id = id;
  if (meta !== undefined) tag.meta = meta;
  return tag;
}

/** True for a valid item id: a non-empty string of at most 1024 characters, or a safe integer (the CLI's rule). */
export function isPromptId(id: unknown): id is string | number {
  return (typeof id === 'string' && id.length > 0 && id.length <= 1024) || Number.isSafeInteger(id);
}

/**
 * `target` with `tag`'s `id` and `meta` set on it (mutated: an error of the item's own, or a fresh copy of a
 * response). Does nothing without a tag.
 */
export function applyTag<T extends object>(target: T, tag: ItemTag | undefined): T {
  if (tag === undefined) return target;
  const tagged = target as T & ItemTag;
  if ('id' in tag) tagged.id = tag.id;
  if ('meta' in tag) tagged.meta = tag.meta;
  return tagged;
}

/**
 * The prompt as a plain string, messages or `ChatRequest` (an item's `prompt` or `messages` with its `params`);
 * other prompts as they are. Does not validate: an invalid item comes back in a shape `resolvePrompt` refuses.
 */
export function untagged(prompt: Prompt): string | ChatMessage[] | ChatRequest {
  if (!isPromptItem(prompt)) return prompt as string | ChatMessage[] | ChatRequest;
  const { prompt: inner, messages, params } = prompt;
  const body = inner ?? messages;
  if (params === undefined && body !== undefined) return body;
  const asMessages: ChatMessage[] | undefined = typeof body === 'string' ? [{ role: 'user', content: body }] : body;
  return { messages: asMessages as ChatMessage[], ...(params === undefined ? {} : { params: params as ChatParams }) };
}

/** `request` as a `PromptItem` carrying `tag` (for wrappers that rewrite a prompt), or `request` itself without one. */
export function retag(request: ChatRequest, tag: ItemTag | undefined): Prompt {
  if (tag === undefined) return request;
  return { ...tag, messages: request.messages, ...(request.params === undefined ? {} : { params: request.params }) };
}

/**
 * True when the item's own fields are right (known fields only, exactly one of `prompt` (a string or an array) and
 * `messages` (an array), a valid `id` when present): what `resolvePrompt` checks before the messages and params.
 * For wrappers that rewrite prompts and must leave bad ones for the run to report.
 */
export function hasItemShape(item: PromptItem): boolean {
  for (const key of Object.keys(item)) if (!ITEM_FIELDS.has(key)) return false;
  const { id, prompt, messages } = item;
  if (id !== undefined && !isPromptId(id)) return false;
  if (prompt !== undefined) return messages === undefined && (typeof prompt === 'string' || Array.isArray(prompt));
  return Array.isArray(messages);
}
