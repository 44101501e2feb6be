import { InvalidOptionsError } from '../../errors/llm-error.js';
import type { ProviderRequest } from '../../types.js';
import type { ChatMessage, ResponseFormat } from '../../types.js';
import { type AnthropicBlock, toAnthropicBlocks } from './to-anthropic-blocks.js';
import { hasNativeStructuredOutput, refusesTemperatureWithTopP } from './anthropic-model-features.js';
import { anthropicOutputSchema } from './anthropic-output-schema.js';

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
 * How structured output is asked for: `'native'` sends `output_config.format` (the answer is the text), `'tool'` a
 * forced tool (the answer is its input), `'auto'` native where the model has it (Claude 4.5 and later), else the tool.
 */
export type AnthropicStructuredMode = 'auto' | 'native' | 'tool';

/** How one request asks for structured output, if it does. */
export type StructuredRoute =
  | { kind: 'native'; schema: Record<string, unknown> }
  | { kind: 'tool'; tool: NonNullable<ReturnType<typeof structuredTool>> }
  | undefined;

/**
 * Picks native structured output or the forced tool for a request. Native needs a `json_schema` in strict shape
 * (`strict` not `false`), a model that has it (or `mode: 'native'`), and no prefill (Anthropic's guide lists message
 * prefilling as incompatible with JSON outputs); everything else, and `json_object`, goes through the tool.
 */
export function structuredRoute(request: ProviderRequest, mode: AnthropicStructuredMode = 'auto'): StructuredRoute {
  const format = request.params.responseFormat;
  const tool = structuredTool(format);
  if (tool === undefined || format?.type !== 'json_schema') return tool === undefined ? undefined : { kind: 'tool', tool };
  const prefill = request.messages.at(-1)?.role === 'assistant';
  const native = mode === 'native' || (mode === 'auto' && hasNativeStructuredOutput(request.model));
  if (native && format.strict !== false && !prefill) return { kind: 'native', schema: anthropicOutputSchema(format.schema) };
  return { kind: 'tool', tool };
}

/**
 * Turns a resolved request into a Messages API body: system and developer messages in `system` (their
 * texts joined by blank lines, or text blocks when one carries `cacheControl`), the others as `messages` (content
 * parts mapped by `toAnthropicBlocks`; consecutive messages of the same role merged into one turn of blocks), `max_tokens` always set,
 * `temperature`, `top_p`, `stop_sequences`, `output_config.format` or a forced tool for `responseFormat` (see
 * `structuredRoute`), then `params.extra` last. A final assistant message is a prefill (its trailing whitespace is
 * trimmed, which the API requires). `seed` has no Anthropic equivalent and is not sent.
 *
 * What real servers refuse is not sent: to Claude 4.5 and later, `temperature` and `topP` together become
 * `temperature` alone (the parameter Anthropic's API reference advises to use; set `extra.top_p` to send both
 * anyway). With `extra.thinking` on, the tool is offered with `tool_choice: auto` instead of forced: Anthropic's
 * extended-thinking guide says tool use with thinking "only supports `tool_choice: {"type": "auto"}` … or
 * `{"type": "none"}`", the forced kinds being an error.
 */
export function toAnthropicRequest(
  request: ProviderRequest,
  defaultMaxTokens: number,
  stream: boolean,
  mode: AnthropicStructuredMode = 'auto',
  serviceTier?: string,
): Record<string, unknown> {
  const { params } = request;
  const instructions = request.messages.filter(isInstruction);
  const system = toSystem(instructions);
  const messages = mergeTurns(request.messages.filter((message) => !isInstruction(message)));
  if (messages.length === 0) {
    throw new InvalidOptionsError('anthropic: a request needs at least one user or assistant message besides system messages');
  }
  const route = structuredRoute(request, mode);
  const topP = params.temperature !== undefined && refusesTemperatureWithTopP(request.model) ? undefined : params.topP;
  const stop = params.stop === undefined ? undefined : Array.isArray(params.stop) ? params.stop : [params.stop];
  return {
    model: request.model,
    max_tokens: params.maxTokens ?? defaultMaxTokens,
    ...(system === undefined ? {} : { system }),
    messages,
    ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
    ...(topP === undefined ? {} : { top_p: topP }),
    ...(stop === undefined ? {} : { stop_sequences: stop }),
    ...(serviceTier === undefined ? {} : { service_tier: serviceTier }),
    ...(route?.kind === 'tool' ? toolFields(route.tool, params.extra) : {}),
    ...(stream ? { stream: true } : {}),
    ...params.extra,
    ...(route?.kind === 'native' ? { output_config: outputConfig(route.schema, params.extra) } : {}),
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

/** `output_config` with the format; an `extra.output_config` (e.g. `{ effort }`) is merged, and wins over the format. */
function outputConfig(schema: Record<string, unknown>, extra: Record<string, unknown> | undefined): Record<string, unknown> {
  const format = { type: 'json_schema', schema };
  const given = extra?.output_config;
  return typeof given === 'object' && given !== null ? { format, ...given } : { format };
}

function toolFields(tool: NonNullable<ReturnType<typeof structuredTool>>, extra: Record<string, unknown> | undefined): Record<string, unknown> {
  const thinking = extra?.thinking;
  const thinkingOn = typeof thinking === 'object' && thinking !== null && (thinking as { type?: unknown }).type !== 'disabled';
  return { tools: [tool], tool_choice: thinkingOn ? { type: 'auto' } : { type: 'tool', name: tool.name } };
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
