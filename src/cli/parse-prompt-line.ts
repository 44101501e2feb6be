import { z } from 'zod';
import { type ChatMessage, type ChatParams, chatParamsSchema, type Prompt } from '../index.js';
import type { PromptId } from '../index.js';

/** A valid input line: one prompt to send. */
export interface PromptLine {
  kind: 'prompt';
  /** The line's `id`, or `line-<n>` (1-based line number) when it has none. */
  id: PromptId;
  /** 0-based line index in the input file (line number − 1); stable across resumes. */
  index: number;
  /** 1-based line number, for messages. */
  lineNumber: number;
  prompt: Prompt;
  /** The line's `meta` value, copied to its result line untouched. */
  meta?: unknown;
}

/** An input line that is not a valid prompt. */
export interface BadLine {
  kind: 'bad';
  lineNumber: number;
  /** What is wrong, starting with `line <n>:`. */
  message: string;
}

const idSchema = z.union([
  z.string().min(1, 'expected a non-empty string').max(1024, 'expected at most 1024 characters'),
  z.number().int('expected an integer or a string').refine(Number.isSafeInteger, 'expected a safe integer'),
]);

/** The messages rule of the library's prompt schema, checked here so that errors name the message and field. */
const messagesSchema = z
  .array(
    z.strictObject({
      role: z.enum(['system', 'user', 'assistant'], { error: 'expected system, user or assistant' }),
      content: z.string({ error: 'expected a string' }),
    }),
    { error: 'expected an array of messages' },
  )
  .min(1, 'expected at least one message');

const lineSchema = z
  .strictObject({
    id: idSchema.optional(),
    prompt: z.union([z.string(), z.array(z.unknown())], { error: 'expected a string or an array of messages' }).optional(),
    messages: z.array(z.unknown(), { error: 'expected an array of messages' }).optional(),
    params: z.record(z.string(), z.unknown(), { error: 'expected an object of parameters' }).optional(),
    meta: z.unknown().optional(),
  })
  .refine((line) => (line.prompt === undefined) !== (line.messages === undefined), {
    message: 'expected exactly one of "prompt" or "messages"',
  });

/**
 * Parses one line of a prompts JSONL file. A line is a JSON string (one user message), a JSON array of messages,
 * or an object `{ "id"?, "prompt" | "messages", "params"?, "meta"? }` where `params` are camelCase `ChatParams`
 * and `meta` is any JSON copied to the result. Blank lines give `undefined`.
 *
 * @param text - The line, without its newline.
 * @param lineNumber - Its 1-based line number.
 * @returns The prompt, a `BadLine` saying what is wrong, or `undefined` for a blank line.
 *
 * @example
 * ```ts
 * parsePromptLine('{"id":"q1","prompt":"Capital of Peru?","params":{"temperature":0}}', 1);
 * // { kind: 'prompt', id: 'q1', index: 0, lineNumber: 1, prompt: { messages: [...], params: { temperature: 0 } } }
 * parsePromptLine('"Capital of Chad?"', 2); // { kind: 'prompt', id: 'line-2', index: 1, lineNumber: 2, prompt: 'Capital of Chad?' }
 * ```
 */
export function parsePromptLine(text: string, lineNumber: number): PromptLine | BadLine | undefined {
  if (text.trim() === '') return undefined;
  const bad = (message: string): BadLine => ({ kind: 'bad', lineNumber, message: `line ${lineNumber}: ${message}` });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return bad(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const base = { kind: 'prompt' as const, index: lineNumber - 1, lineNumber, id: `line-${lineNumber}` as PromptId };
  if (typeof value === 'string') return { ...base, prompt: value };
  if (Array.isArray(value)) {
    const messages = checkMessages(value, 'messages');
    return typeof messages === 'string' ? bad(messages) : { ...base, prompt: messages };
  }
  if (typeof value !== 'object' || value === null) {
    return bad('expected a JSON string, an array of messages, or an object with "prompt" or "messages"');
  }
  const simple = simpleLine(value as Record<string, unknown>, base);
  if (simple !== undefined) return simple;
  const parsed = lineSchema.safeParse(value);
  if (!parsed.success) {
    const unknownKeys = parsed.error.issues.filter((issue) => issue.code === 'unrecognized_keys');
    return bad(
      (unknownKeys.length > 0 ? unknownKeys : parsed.error.issues)
        .map((issue) => {
          if (issue.code === 'unrecognized_keys') {
            return `unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(', ')} (expected id, prompt or messages, params, meta)`;
          }
          return issue.path.length === 0 ? issue.message : `${issue.path.map(String).join('.')}: ${issue.message}`;
        })
        .join('; '),
    );
  }
  const line = parsed.data;
  const messages =
    typeof line.prompt === 'string'
      ? [{ role: 'user' as const, content: line.prompt }]
      : checkMessages(line.prompt ?? line.messages ?? [], line.prompt === undefined ? 'messages' : 'prompt');
  if (typeof messages === 'string') return bad(messages);
  let params: ChatParams | undefined;
  if (line.params !== undefined) {
    const checked = chatParamsSchema.safeParse(line.params);
    if (!checked.success) {
      return bad(
        checked.error.issues
          .map((issue) =>
            issue.code === 'unrecognized_keys'
              ? `params: unknown parameter ${issue.keys.join(', ')} (provider-specific fields go in params.extra)`
              : `params.${issue.path.map(String).join('.')}: ${issue.message}`,
          )
          .join('; '),
      );
    }
    params = checked.data as ChatParams;
  }
  const prompt: Prompt =
    params === undefined ? (typeof line.prompt === 'string' ? line.prompt : messages) : { messages, params };
  return {
    ...base,
    ...(line.id === undefined ? {} : { id: line.id }),
    prompt,
    ...(line.meta === undefined ? {} : { meta: line.meta }),
  };
}

/** Validates a messages array; returns the messages or a message naming the message and field. */
function checkMessages(value: unknown[], label: string): ChatMessage[] | string {
  const parsed = messagesSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  return parsed.error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), label);
      return issue.code === 'unrecognized_keys' ? `${path}: unknown field ${issue.keys.join(', ')}` : `${path}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * The common line `{"id"?, "prompt": "…", "meta"?}`, checked without zod (issue 25: the schema was the CLI's largest
 * per-prompt cost after the request itself); `undefined` for any other shape, which the schema then checks and
 * explains. Accepts exactly what the schema accepts for this shape.
 */
function simpleLine(value: Record<string, unknown>, base: Omit<PromptLine, 'prompt'>): PromptLine | undefined {
  const { prompt, id } = value;
  if (typeof prompt !== 'string') return undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key !== 'id' && key !== 'prompt' && key !== 'meta') return undefined;
  }
  if (id !== undefined && !(typeof id === 'string' ? id.length >= 1 && id.length <= 1024 : Number.isSafeInteger(id))) return undefined;
  const line: PromptLine = { ...base, prompt };
  if (id !== undefined) line.id = id as PromptId;
  if (value.meta !== undefined) line.meta = value.meta;
  return line;
}
