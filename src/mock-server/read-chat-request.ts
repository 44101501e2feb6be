import { readStopSequences } from './read-stop-sequences.js';

/** What the answer should be: plain text, a JSON object (optionally fitting a schema), or a forced tool call. */
export type MockOutput =
  | { kind: 'text' }
  | { kind: 'json'; schema: unknown }
  | { kind: 'tool'; name: string; schema: unknown };

/** The few fields of an OpenAI or Anthropic chat request that the mock server reads. */
export interface MockChatRequest {
  /** The last user message's text: what the answer echoes and what deliveries are counted by. */
  key: string;
  model: string | undefined;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  maxTokens: number | undefined;
  /** `3 + Σ (4 + ⌈chars / 4⌉)` over the messages and system prompt: the mock's stand-in for a tokenizer (`estimateInputTokens`, an upper estimate, gives more). */
  inputTokens: number;
  output: MockOutput;
  /** Text of a trailing assistant message (prefill) that the answer continues; `''` when none. */
  prefill: string;
  /** OpenAI `stop` / Anthropic `stop_sequences`: the answer ends before the first one it contains. */
  stop: readonly string[];
  /** The `service_tier` asked for, as sent. */
  serviceTier: string | undefined;
}

const TEXT_OUTPUT: MockOutput = { kind: 'text' };

/**
 * Reads an OpenAI `POST /v1/chat/completions` body. Returns the request, or an error message for a 400.
 */
export function readOpenAIRequest(body: unknown): MockChatRequest | string {
  if (!isRecord(body)) return 'The request body must be a JSON object.';
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: expected a non-empty array.';
  const conversation = readMessages(messages, OPENAI_CONTENT);
  if (typeof conversation === 'string') return conversation;
  const limit = body.max_completion_tokens ?? body.max_tokens;
  if (limit !== undefined && limit !== null && !isPositiveInteger(limit)) {
    return `${body.max_completion_tokens === undefined ? 'max_tokens' : 'max_completion_tokens'}: expected a positive integer.`;
  }
  let output = TEXT_OUTPUT;
  const format = body.response_format;
  const forced = forcedOpenAITool(body.tool_choice, body.tools);
  if (typeof forced === 'string') return forced;
  if (forced !== undefined) {
    output = forced;
  } else if (isRecord(format)) {
    if (format.type === 'json_schema') {
      const spec = format.json_schema;
      if (!isRecord(spec) || !isRecord(spec.schema)) return 'response_format.json_schema.schema: expected an object.';
      output = { kind: 'json', schema: spec.schema };
    } else if (format.type === 'json_object') {
      output = { kind: 'json', schema: undefined };
    }
  }
  const stop = readStopSequences(body.stop, 'stop');
  if (!Array.isArray(stop)) return stop.error;
  const streamOptions = body.stream_options;
  return {
    stop,
    key: conversation.key,
    model: typeof body.model === 'string' && body.model !== '' ? body.model : undefined,
    stream: body.stream === true,
    includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
    maxTokens: typeof limit === 'number' ? limit : undefined,
    inputTokens: conversation.tokens,
    output,
    prefill: conversation.prefill,
    serviceTier: typeof body.service_tier === 'string' ? body.service_tier : undefined,
  };
}

/**
 * Reads an Anthropic `POST /v1/messages` body (`max_tokens` is required). Returns the request, or an error
 * message for a 400.
 */
export function readAnthropicRequest(body: unknown): MockChatRequest | string {
  if (!isRecord(body)) return 'The request body must be a JSON object.';
  if (body.max_tokens === undefined) return 'max_tokens: Field required';
  if (!isPositiveInteger(body.max_tokens)) return 'max_tokens: expected a positive integer.';
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: expected a non-empty array.';
  const conversation = readMessages(messages, ANTHROPIC_CONTENT);
  if (typeof conversation === 'string') return conversation;
  const system = body.system === undefined ? '' : contentText(body.system);
  let output = TEXT_OUTPUT;
  const choice = body.tool_choice;
  if (isRecord(choice) && (choice.type === 'tool' || choice.type === 'any')) {
    const tools = Array.isArray(body.tools) ? body.tools : [];
    const tool = tools.find((candidate): candidate is Record<string, unknown> =>
      isRecord(candidate) && (choice.type === 'any' || candidate.name === choice.name));
    if (tool === undefined || typeof tool.name !== 'string') {
      return choice.type === 'tool' ? `tool_choice.name: no tool named ${JSON.stringify(choice.name)} in tools.` : 'tools: expected at least one tool.';
    }
    output = { kind: 'tool', name: tool.name, schema: tool.input_schema };
  } else {
    // `output_config.format` (GA), or the beta's `output_format` that Anthropic still accepts for a transition period.
    const outputConfig = isRecord(body.output_config) ? body.output_config.format : undefined;
    const format = isRecord(outputConfig) ? outputConfig : body.output_format;
    if (isRecord(format) && format.type === 'json_schema') {
      if (!isRecord(format.schema)) return 'output_config.format.schema: Field required';
      output = { kind: 'json', schema: format.schema };
    }
  }
  const stop = readStopSequences(body.stop_sequences, 'stop_sequences');
  if (!Array.isArray(stop)) return stop.error;
  return {
    stop,
    key: conversation.key,
    model: typeof body.model === 'string' && body.model !== '' ? body.model : undefined,
    stream: body.stream === true,
    includeUsage: true,
    maxTokens: body.max_tokens,
    inputTokens: conversation.tokens + (system === '' ? 0 : 4 + Math.ceil(system.length / 4)),
    output,
    prefill: conversation.prefill,
    serviceTier: typeof body.service_tier === 'string' ? body.service_tier : undefined,
  };
}

/**
 * The tool an OpenAI request forces (`tool_choice: { type: 'function', function: { name } }`, or `'required'` with one
 * tool), as a tool output; `undefined` when none is forced; a message for a 400 when the named tool is missing.
 */
function forcedOpenAITool(choice: unknown, tools: unknown): MockOutput | string | undefined {
  const functions = (Array.isArray(tools) ? tools : []).flatMap((tool) =>
    isRecord(tool) && isRecord(tool.function) && typeof tool.function.name === 'string' ? [tool.function] : [],
  );
  let chosen: Record<string, unknown> | undefined;
  if (choice === 'required') {
    chosen = functions[0];
    if (chosen === undefined) return "tool_choice: 'required' needs at least one tool.";
  } else if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function)) {
    const name = choice.function.name;
    chosen = functions.find((candidate) => candidate.name === name);
    if (chosen === undefined) return `tool_choice.function.name: no tool named ${JSON.stringify(name)} in tools.`;
  } else {
    return undefined;
  }
  return { kind: 'tool', name: chosen.name as string, schema: chosen.parameters ?? { type: 'object', properties: {} } };
}

interface Conversation {
  key: string;
  tokens: number;
  prefill: string;
}

/** What one wire format accepts in `messages`: roles, and a check of each content part (a message for a 400). */
interface ContentRules {
  roles: ReadonlySet<string>;
  checkPart(part: Record<string, unknown>, where: string): string | undefined;
}

/**
 * Chat Completions: roles of the `ChatCompletionRequestMessage` variants and the part types of
 * `ChatCompletionRequestMessageContentPart*` (openai/openai-openapi, openapi.json).
 */
const OPENAI_CONTENT: ContentRules = {
  roles: new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  checkPart(part, where) {
    switch (part.type) {
      case 'text':
      case 'refusal':
      case 'input_audio':
      case 'file':
        return undefined;
      case 'image_url':
        return isRecord(part.image_url) && typeof part.image_url.url === 'string' ? undefined : `${where}.image_url.url: Field required`;
      default:
        return `${where}.type: expected one of text, image_url, input_audio, file, refusal; got ${JSON.stringify(part.type)}.`;
    }
  },
};

/** Messages API: only `user` and `assistant` turns (system goes in `system`); image and document blocks need a source. */
const ANTHROPIC_CONTENT: ContentRules = {
  roles: new Set(['user', 'assistant']),
  checkPart(part, where) {
    switch (part.type) {
      case 'image':
      case 'document':
        return isRecord(part.source) && typeof part.source.type === 'string' ? undefined : `${where}.source: Field required`;
      case 'text':
      case 'tool_use':
      case 'tool_result':
      case 'thinking':
      case 'redacted_thinking':
      case 'search_result':
        return undefined;
      default:
        return `${where}.type: Input tag ${JSON.stringify(part.type)} found using 'type' does not match any of the expected tags.`;
    }
  },
};

function readMessages(messages: unknown[], rules: ContentRules): Conversation | string {
  let tokens = 3;
  let key: string | undefined;
  let lastText = '';
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    if (!isRecord(message) || typeof message.role !== 'string') return `messages[${index}]: expected an object with a role.`;
    if (!rules.roles.has(message.role)) return `messages[${index}].role: unexpected role ${JSON.stringify(message.role)}.`;
    if (Array.isArray(message.content)) {
      for (let part = 0; part < message.content.length; part++) {
        const value: unknown = message.content[part];
        const where = `messages[${index}].content[${part}]`;
        const problem = isRecord(value) ? rules.checkPart(value, where) : `${where}: expected an object.`;
        if (problem !== undefined) return problem;
      }
    }
    const text = contentText(message.content);
    tokens += 4 + Math.ceil(text.length / 4);
    if (message.role === 'user') key = text;
    lastText = text;
  }
  const last = messages[messages.length - 1] as Record<string, unknown>;
  const prefill = last.role === 'assistant' ? lastText : '';
  return { key: key ?? lastText, tokens, prefill };
}

/** The text of a message's `content`: a string, or the `text` of its parts/blocks joined. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (isRecord(part) && typeof part.text === 'string') text += part.text;
    else if (isRecord(part) && typeof part.content === 'string') text += part.content;
  }
  return text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
