import { InvalidOptionsError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../model/resolve-prompt.js';
import type { ChatMessage, ResponseFormat } from '../../types.js';

/** Name of the forced tool used for `responseFormat: { type: 'json_object' }`. */
export const JSON_OBJECT_TOOL = 'json_answer';

type WireContent = string | Array<{ type: 'text'; text: string }>;

/**
 * The forced tool that carries a structured answer, or `undefined` when the request wants plain text.
 * `json_schema` becomes a tool whose `input_schema` is the schema; `json_object` a tool taking any object.
 */
export function structuredTool(format: ResponseFormat | undefined): { name: string; description: string; input_schema: Record<string, unknown> } | undefined {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.type === 'json_object') {
    return { name: JSON_OBJECT_TOOL, description: 'Give your answer as a JSON object.', input_schema: { type: 'object' } };
  }
  return {
    name: format.name,
    description: format.description ?? 'Give your answer as an object matching this schema.',
    input_schema: format.schema,
  };
}

/**
 * Turns a resolved request into a Messages API body: system messages joined into `system`, the others as
 * `messages` (consecutive messages of the same role merged into text blocks), `max_tokens` always set,
 * `temperature`, `top_p`, `stop_sequences`, a forced tool for `responseFormat`, then `params.extra` last.
 * A final assistant message is a prefill (its trailing whitespace is trimmed, which the API requires).
 * `seed` has no Anthropic equivalent and is not sent.
 */
export function toAnthropicRequest(request: ProviderRequest, defaultMaxTokens: number, stream: boolean): Record<string, unknown> {
  const { params } = request;
  const system = request.messages.filter((message) => message.role === 'system').map((message) => message.content);
  const messages = mergeTurns(request.messages.filter((message) => message.role !== 'system'));
  if (messages.length === 0) {
    throw new InvalidOptionsError('anthropic: a request needs at least one user or assistant message besides system messages');
  }
  const tool = structuredTool(params.responseFormat);
  const stop = params.stop === undefined ? undefined : Array.isArray(params.stop) ? params.stop : [params.stop];
  return {
    model: request.model,
    max_tokens: params.maxTokens ?? defaultMaxTokens,
    ...(system.length === 0 ? {} : { system: system.join('\n\n') }),
    messages,
    ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
    ...(params.topP === undefined ? {} : { top_p: params.topP }),
    ...(stop === undefined ? {} : { stop_sequences: stop }),
    ...(tool === undefined ? {} : { tools: [tool], tool_choice: { type: 'tool', name: tool.name } }),
    ...(stream ? { stream: true } : {}),
    ...params.extra,
  };
}

function mergeTurns(messages: readonly ChatMessage[]): Array<{ role: 'user' | 'assistant'; content: WireContent }> {
  const turns: Array<{ role: 'user' | 'assistant'; texts: string[] }> = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const last = turns.at(-1);
    if (last !== undefined && last.role === role) last.texts.push(message.content);
    else turns.push({ role, texts: [message.content] });
  }
  const final = turns.at(-1);
  if (final !== undefined && final.role === 'assistant') {
    final.texts[final.texts.length - 1] = final.texts.at(-1)!.trimEnd();
    final.texts = final.texts.filter((text) => text !== '');
    if (final.texts.length === 0) turns.pop();
  }
  return turns.map(({ role, texts }) => ({
    role,
    content: texts.length === 1 ? texts[0]! : texts.map((text) => ({ type: 'text' as const, text })),
  }));
}
