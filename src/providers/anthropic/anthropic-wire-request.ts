import { InvalidOptionsError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../types.js';
import type { ChatMessage, ResponseFormat } from '../../types.js';
import { type AnthropicBlock, toAnthropicBlocks } from './to-anthropic-blocks.js';

/** Name of the forced tool used for `responseFormat: { type: 'json_object' }`. */
export const JSON_OBJECT_TOOL = 'json_answer';

type WireContent = string | AnthropicBlock[];

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
 * Turns a resolved request into a Messages API body: system and developer messages in `system` (their texts
 * joined by blank lines, or text blocks when one carries `cacheControl`), the others as `messages` (content parts
 * mapped by `toAnthropicBlocks`; consecutive messages of the same role merged into one turn of blocks), `max_tokens` always set,
 * `temperature`, `top_p`, `stop_sequences`, a forced tool for `responseFormat`, then `params.extra` last.
 * A final assistant message is a prefill (its trailing whitespace is trimmed, which the API requires).
 * `seed` has no Anthropic equivalent and is not sent.
 */
export function toAnthropicRequest(request: ProviderRequest, defaultMaxTokens: number, stream: boolean): Record<string, unknown> {
  const { params } = request;
  const instructions = request.messages.filter(isInstruction);
  const system = toSystem(instructions);
  const messages = mergeTurns(request.messages.filter((message) => !isInstruction(message)));
  if (messages.length === 0) {
    throw new InvalidOptionsError('anthropic: a request needs at least one user or assistant message besides system messages');
  }
  const tool = structuredTool(params.responseFormat);
  const stop = params.stop === undefined ? undefined : Array.isArray(params.stop) ? params.stop : [params.stop];
  return {
    model: request.model,
    max_tokens: params.maxTokens ?? defaultMaxTokens,
    ...(system === undefined ? {} : { system }),
    messages,
    ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
    ...(params.topP === undefined ? {} : { top_p: params.topP }),
    ...(stop === undefined ? {} : { stop_sequences: stop }),
    ...(tool === undefined ? {} : { tools: [tool], tool_choice: { type: 'tool', name: tool.name } }),
    ...(stream ? { stream: true } : {}),
    ...params.extra,
  };
}

function isInstruction(message: ChatMessage): boolean {
  return message.role === 'system' || message.role === 'developer';
}

/** `system` as one string (the usual case), as text blocks when one part carries `cacheControl`, or `undefined`. */
function toSystem(instructions: readonly ChatMessage[]): string | AnthropicBlock[] | undefined {
  if (instructions.length === 0) return undefined;
  const blocks = instructions.flatMap((message) => toAnthropicBlocks(message.content));
  if (blocks.some((block) => block.cache_control !== undefined)) return blocks;
  return blocks.map((block) => block.text as string).join('\n\n');
}

function mergeTurns(messages: readonly ChatMessage[]): Array<{ role: 'user' | 'assistant'; content: WireContent }> {
  const turns: Array<{ role: 'user' | 'assistant'; blocks: AnthropicBlock[] }> = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toAnthropicBlocks(message.content);
    const last = turns.at(-1);
    if (last !== undefined && last.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  }
  const final = turns.at(-1);
  if (final !== undefined && final.role === 'assistant') {
    // A prefill: the API refuses trailing whitespace in the final assistant text.
    const lastBlock = final.blocks.at(-1);
    if (lastBlock?.type === 'text') final.blocks[final.blocks.length - 1] = { ...lastBlock, text: (lastBlock.text as string).trimEnd() };
    final.blocks = final.blocks.filter((block) => block.type !== 'text' || block.text !== '');
    if (final.blocks.length === 0) turns.pop();
  }
  return turns.map(({ role, blocks }) => ({ role, content: isPlainText(blocks) ? (blocks[0]!.text as string) : blocks }));
}

/** One text block without `cache_control`, sent as a plain string (the shape rxllm always sent for text). */
function isPlainText(blocks: readonly AnthropicBlock[]): boolean {
  return blocks.length === 1 && blocks[0]!.type === 'text' && blocks[0]!.cache_control === undefined;
}
