import { z } from 'zod';
import type { ChatMessage, ChatParams, ChatRequest, Prompt, ProviderRequest } from '../types.js';
import { chatParamsSchema } from '../internal/chat-params-schema.js';
import { messageSchema } from '../internal/message-schema.js';
import { validateOptions } from '../internal/validate-options.js';
import { InvalidOptionsError } from '../errors/llm-error.js';
import { isPromptId, isPromptItem, ITEM_FIELDS } from '../internal/item-tag.js';

const messagesSchema = z.array(messageSchema).min(1, 'expected at least one message');

const requestSchema = z.strictObject({ messages: messagesSchema, params: chatParamsSchema.optional() });

// Built once: constructing a zod schema costs more than parsing a prompt with it.
const stringPromptSchema = z.string();
const unknownPromptSchema = z.custom<Prompt>(
  () => false,
  'expected a string, an array of messages, { messages, params }, or an item { id?, prompt | messages, params?, meta? }',
);

/** The schema for the prompt's shape, so that errors name the bad field instead of a bare "Invalid input" from a union. */
function promptSchemaFor(prompt: unknown): z.ZodType<Prompt> {
  if (typeof prompt === 'string') return stringPromptSchema;
  if (Array.isArray(prompt)) return messagesSchema;
  if (typeof prompt === 'object' && prompt !== null) return requestSchema;
  return unknownPromptSchema;
}

/**
 * Turns a prompt (string, messages or full request) plus layered parameters into a `ProviderRequest`.
 * Later layers win field by field; `extra` objects are merged. Throws `InvalidOptionsError` naming the field.
 *
 * @param prompt - The prompt to send.
 * @param model - The model name used unless a layer sets `params.model`.
 * @param layers - Parameter layers from the factory, the call and so on, lowest precedence first.
 * @param label - How the prompt is named in error messages, e.g. `prompts[3]`.
 */
export function resolvePrompt(
  prompt: Prompt,
  model: string,
  layers: ReadonlyArray<ChatParams | undefined>,
  label = 'prompt',
): ProviderRequest {
  if (isPromptItem(prompt)) return resolvePrompt(itemBody(prompt, label), model, layers, label);
  // Plain strings and well-formed messages skip zod; anything else goes through it (which throws the message).
  const parsed = (quickPrompt(prompt) ?? validateOptions(promptSchemaFor(prompt), prompt, label)) as string | ChatMessage[] | ChatRequest;
  const messages = typeof parsed === 'string' ? [{ role: 'user' as const, content: parsed }] : Array.isArray(parsed) ? parsed : parsed.messages;
  const promptParams = typeof parsed === 'object' && !Array.isArray(parsed) ? parsed.params : undefined;
  const params = mergeParams([...layers, promptParams]);
  return { model: params.model ?? model, messages, params };
}

/**
 * A prompt item's prompt, as a string, messages or `{ messages, params }` (validated by the caller), after checking
 * what is the item's own: known fields only, exactly one of `prompt` and `messages`, a valid `id`.
 */
function itemBody(item: object, label: string): Prompt {
  const record = item as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !ITEM_FIELDS.has(key));
  if (unknown.length > 0) {
    throw new InvalidOptionsError(`${label}: unknown field ${unknown.map((key) => JSON.stringify(key)).join(', ')} (expected id, prompt or messages, params, meta)`);
  }
  const { id, prompt, messages, params } = record;
  if (id !== undefined && !isPromptId(id)) {
    throw new InvalidOptionsError(`${label}.id: expected a non-empty string (at most 1024 characters) or a safe integer`);
  }
  if ((prompt === undefined) === (messages === undefined)) {
    throw new InvalidOptionsError(`${label}: expected exactly one of "prompt" or "messages"`);
  }
  if (prompt !== undefined && typeof prompt !== 'string' && !Array.isArray(prompt)) {
    throw new InvalidOptionsError(`${label}.prompt: expected a string or an array of messages`);
  }
  if (messages !== undefined && !Array.isArray(messages)) {
    throw new InvalidOptionsError(`${label}.messages: expected an array of messages`);
  }
  const body = (prompt ?? messages) as string | ChatMessage[];
  if (params === undefined) return body;
  return { messages: typeof body === 'string' ? [{ role: 'user', content: body }] : body, params } as Prompt;
}

const ROLES: ReadonlySet<unknown> = new Set(['system', 'developer', 'user', 'assistant']);

/**
 * What the schemas would return for the common valid shapes (a string; messages; `{ messages }` without params),
 * or `undefined` when zod must decide. Never accepts what the schemas refuse.
 */
function quickPrompt(prompt: unknown): Prompt | undefined {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return quickMessages(prompt);
  if (typeof prompt !== 'object' || prompt === null || Object.getPrototypeOf(prompt) !== Object.prototype) return undefined;
  const record = prompt as Record<string, unknown>;
  for (const key in record) if (key !== 'messages') return undefined;
  const messages = Array.isArray(record.messages) ? quickMessages(record.messages as unknown[]) : undefined;
  return messages === undefined ? undefined : { messages };
}

/**
 * Copies of the messages (as zod's strict objects return them), or `undefined` unless every one is a valid message
 * with string content (content parts always go through zod).
 */
function quickMessages(messages: readonly unknown[]): ChatMessage[] | undefined {
  if (messages.length === 0) return undefined;
  const copies: ChatMessage[] = [];
  for (const message of messages) {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
    const { role, content } = message as Record<string, unknown>;
    if (!ROLES.has(role) || typeof content !== 'string') return undefined;
    let keys = 0;
    for (const key in message) {
      if (key !== 'role' && key !== 'content') return undefined;
      keys += 1;
    }
    if (keys !== 2 || Object.getPrototypeOf(message) !== Object.prototype) return undefined;
    copies.push({ role: role as ChatMessage['role'], content });
  }
  return copies;
}

/** Merges parameter layers, lowest precedence first; `extra` objects are merged key by key. */
export function mergeParams(layers: ReadonlyArray<ChatParams | undefined>): ChatParams {
  const merged: ChatParams = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    const { extra, ...rest } = layer;
    for (const [key, value] of Object.entries(rest)) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
    if (extra !== undefined) merged.extra = { ...merged.extra, ...extra };
  }
  return merged;
}
