import { concatMap, defer, type Observable, of, throwError } from 'rxjs';
import type { z } from 'zod';
import { RefusalError } from '../errors/llm-error.js';
import type { ChatModel } from '../model/chat-provider.js';
import type { ChatParams, ChatResponse, Prompt } from '../types.js';
import { type StructuredOutputOptions, structuredOutput } from './structured-output.js';

/**
 * Options of `chatStructured`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { chatStructured, openai, type ChatStructuredOptions } from 'rxllm';
 * const options: ChatStructuredOptions = { name: 'city', repair: true, params: { temperature: 0 } };
 * chatStructured(openai({ model: 'gpt-4o-mini' }), 'Capital of Peru?', z.object({ city: z.string() }), options)
 *   .subscribe((answer) => console.log(answer.city));
 * ```
 */
export interface ChatStructuredOptions extends StructuredOutputOptions {
  /** Generation parameters for the request (the schema's `responseFormat` is added). */
  params?: ChatParams;
  /**
   * On an answer that fails the schema, ask once more, sending the validation issues back to the model as a
   * follow-up message. @defaultValue `false`
   */
  repair?: boolean;
}

/**
 * Asks one prompt for an answer shaped by a zod schema and emits the validated, typed value. OpenAI gets
 * `response_format: json_schema` (strict), Anthropic a forced tool call. Cold: nothing is sent before
 * subscription; unsubscribing aborts the request. Errors: a `StructuredOutputError` (raw text and zod issues)
 * when the answer fails the schema (after the optional repair), a `RefusalError` when the model refused (never
 * repaired), otherwise the request's `LlmError`. Transport
 * errors are retried by the model's retry policy.
 *
 * @param model - The model to ask.
 * @param prompt - The prompt.
 * @param schema - The zod schema of the answer.
 * @param options - Schema name, params, `repair`.
 * @returns An Observable of one validated value.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { anthropic, chatStructured } from 'rxllm';
 * const model = anthropic({ model: 'claude-haiku-4-5' });
 * chatStructured(model, 'Capital of Peru?', z.object({ city: z.string() }))
 *   .subscribe((answer) => console.log(answer.city));
 * ```
 */
export function chatStructured<T>(model: ChatModel, prompt: Prompt, schema: z.ZodType<T>, options: ChatStructuredOptions = {}): Observable<T> {
  const { params, repair = false, ...formatOptions } = options;
  return defer(() => {
    const output = structuredOutput(schema, formatOptions);
    const check = (response: ChatResponse) =>
      output.parse(response.text, {
        provider: model.provider.id,
        finishReason: response.finishReason,
        usage: response.usage,
        ...(response.requestId === undefined ? {} : { requestId: response.requestId }),
      });
    return model.chat(output.apply(prompt), params).pipe(
      concatMap((response) => {
        const first = check(response);
        if (first.ok) return of(first.value);
        if (!repair || first.error instanceof RefusalError) return throwError(() => first.error);
        return model.chat(output.repairPrompt(prompt, first.error), params).pipe(
          concatMap((second) => {
            const result = check(second);
            return result.ok ? of(result.value) : throwError(() => result.error);
          }),
        );
      }),
    );
  });
}
