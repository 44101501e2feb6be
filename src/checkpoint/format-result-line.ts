import type { LlmError } from '../errors/llm-error.js';
import type { ChatResponse, PromptId, Usage } from '../types.js';

/** The `error` field of a failed result line. */
export interface ResultLineError {
  /** The error class, e.g. `RateLimitError`, `AuthenticationError`, `BudgetExceededError`. */
  type: string;
  /** HTTP status, or `null` when the server did not answer. */
  status: number | null;
  /** Machine-readable code, e.g. `insufficient_quota`, `timeout`. */
  code: string | null;
  message: string;
  /** Text received before a stream broke (`StreamInterruptedError`). */
  partialText?: string;
  /** The answer's text, when it failed its schema (`StructuredOutputError`). */
  rawText?: string;
  /** Why it failed its schema: zod's issues (`path`, `code`, `message`, …). */
  issues?: unknown[];
}

/** One line of the results file. `id`, `index` and `ok` come first, in that order (resume reads them fast). */
export type ResultLine =
  | {
      id: PromptId;
      index: number;
      ok: true;
      text: string;
      /** The parsed answer with `--structured`. */
      data?: unknown;
      finishReason: string | null;
      usage: Usage;
      model: string;
      /** HTTP attempts, retries included (`null` in files written before they were counted with `--stream`). */
      attempts: number | null;
      /** From the first request sent to the outcome, retries included (the CLI's lines). */
      latencyMs?: number;
      /** From taking a slot to the first request sent: the wait for the rate limiter (the CLI's lines). */
      queuedMs?: number;
      meta?: unknown;
    }
  | {
      id: PromptId;
      index: number;
      ok: false;
      error: ResultLineError;
      /** Tokens paid for: the failed structured answer's usage, else `null`. */
      usage: Usage | null;
      model: string;
      attempts: number | null;
      latencyMs?: number;
      queuedMs?: number;
      meta?: unknown;
    };

/** Where a result came from, besides the response or error. */
export interface ResultContext {
  id: PromptId;
  index: number;
  /** The model asked for (used when the server does not say). */
  model: string;
  attempts: number | null;
  /** From the first request sent to the outcome (the CLI times prompts; the library's lines leave it out). */
  latencyMs?: number;
  /** From taking a slot to the first request sent. */
  queuedMs?: number;
  meta?: unknown;
}

/**
 * Builds the result line of a successful prompt.
 *
 * @example
 * ```ts
 * import { okResultLine } from 'rxllm';
 * const response = { text: 'Lima', finishReason: 'stop', usage: { inputTokens: 9, outputTokens: 1 }, model: 'gpt-4o-mini', raw: {} };
 * console.log(okResultLine({ id: 'q1', index: 0, model: 'gpt-4o-mini', attempts: 1, latencyMs: 420, queuedMs: 0 }, response));
 * // { id: 'q1', index: 0, ok: true, text: 'Lima', finishReason: 'stop', usage: {…}, model: 'gpt-4o-mini', … }
 * ```
 */
export function okResultLine(context: ResultContext, response: ChatResponse, data?: unknown): ResultLine {
  return {
    id: context.id,
    index: context.index,
    ok: true,
    text: response.text,
    ...(data === undefined ? {} : { data }),
    finishReason: response.finishReason,
    usage: usageOf(response.usage),
    model: response.model || context.model,
    attempts: context.attempts,
    ...timing(context),
    ...(context.meta === undefined ? {} : { meta: context.meta }),
  };
}

/**
 * Builds the result line of a failed prompt. The message is the error's own, which never holds an API key. An answer
 * that failed its schema keeps its `rawText`, its `issues` and the `usage` it cost.
 *
 * @example
 * ```ts
 * import { failedResultLine, ServerError } from 'rxllm';
 * const error = new ServerError('openai answered 500', { status: 500 });
 * console.log(failedResultLine({ id: 'q2', index: 1, model: 'gpt-4o-mini', attempts: 3, latencyMs: 9100, queuedMs: 15 }, error));
 * // { id: 'q2', index: 1, ok: false, error: { type: 'ServerError', status: 500, code: null, message: '…' }, usage: null, … }
 * ```
 */
export function failedResultLine(context: ResultContext, error: LlmError): ResultLine {
  const { partialText, rawText, issues, usage } = error as { partialText?: unknown; rawText?: unknown; issues?: unknown; usage?: Usage };
  return {
    id: context.id,
    index: context.index,
    ok: false,
    error: {
      type: error.name,
      status: error.status ?? null,
      code: error.code ?? null,
      message: error.message,
      ...(typeof partialText === 'string' && partialText !== '' ? { partialText } : {}),
      ...(typeof rawText === 'string' ? { rawText } : {}),
      ...(Array.isArray(issues) ? { issues } : {}),
    },
    usage: usage === undefined ? null : { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
    model: context.model,
    attempts: context.attempts,
    ...timing(context),
    ...(context.meta === undefined ? {} : { meta: context.meta }),
  };
}

/**
 * Serialises a result line to one line of JSON (no newline inside: JSON escapes them), as results files hold it.
 *
 * @example
 * ```ts
 * import { formatResultLine, okResultLine } from 'rxllm';
 * const response = { text: 'Lima', finishReason: 'stop' as const, usage: { inputTokens: 9, outputTokens: 1 }, model: 'gpt-4o-mini', raw: {} };
 * const line = okResultLine({ id: 'q1', index: 0, model: 'gpt-4o-mini', attempts: 1 }, response);
 * process.stdout.write(`${formatResultLine(line)}\n`);
 * ```
 */
export function formatResultLine(line: ResultLine): string {
  return JSON.stringify(line);
}

/** The usage figures a result line records: the totals, and the cached, cache-write and reasoning parts when known. */
function usageOf(usage: Usage): Usage {
  const recorded: Usage = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
  if (usage.cachedInputTokens !== undefined) recorded.cachedInputTokens = usage.cachedInputTokens;
  if (usage.cacheWriteInputTokens !== undefined) recorded.cacheWriteInputTokens = usage.cacheWriteInputTokens;
  if (usage.reasoningTokens !== undefined) recorded.reasoningTokens = usage.reasoningTokens;
  return recorded;
}

/** The context's `latencyMs` and `queuedMs`, where known. */
function timing({ latencyMs, queuedMs }: ResultContext): { latencyMs?: number; queuedMs?: number } {
  return { ...(latencyMs === undefined ? {} : { latencyMs }), ...(queuedMs === undefined ? {} : { queuedMs }) };
}
