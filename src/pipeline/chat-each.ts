import { Observable, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { ResponseValidationError, toLlmError } from '../errors/llm-error.js';
import type { ChatModel, ChatProvider } from '../model/chat-provider.js';
import { limitedTokensOf } from '../model/limited-tokens-of.js';
import { settleUsage } from './internal/settle-usage.js';
import type { Reservation } from '../rate-limiter/rate-limiter-types.js';
import type { ProviderRequest } from '../types.js';
import type { ChatResponse, ChatResult, Prompt, PromptId } from '../types.js';
import { checkpointed, unlessRecorded } from './internal/checkpointed.js';
import { applyTag, itemTagOf } from '../internal/item-tag.js';
import { validateOptions } from '../internal/validate-options.js';
import { type PipelineOptions, pipelineOptionsShape } from './pipeline-options.js';
import type { PipelineRun, PromptState } from './internal/pipeline-run.js';
import { assertChatModel, pipelineSettings } from './internal/pipeline-settings.js';
import { runPipeline } from './internal/run-pipeline.js';

/**
 * Options of `chatEach`: concurrency, rate limits, retries, `onError`, parameters, cancellation and progress.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, openai, type ChatEachOptions } from 'rxllm';
 * const options: ChatEachOptions = { maxActive: 16, rpm: 500, tpm: 200_000, retry: { maxRetries: 3 }, params: { maxTokens: 300 } };
 * from(['Say hi.', 'Say hello.'])
 *   .pipe(chatEach(openai({ model: 'gpt-4o-mini' }), options))
 *   .subscribe((result) => console.log(result.index, result.ok));
 * ```
 */
export type ChatEachOptions = PipelineOptions;

/** The strict zod schema of `ChatEachOptions`. */
export const chatEachOptionsSchema = z.strictObject(pipelineOptionsShape);

/** Internal hooks, for the Promise wrappers. */
export interface ChatEachHooks {
  /** Called with the failure that is about to end the run (`'stop'` or a fatal error), before the error is thrown. */
  onEndingFailure?: (result: ChatResult & { ok: false }) => void;
  /** With `checkpoint`: a prompt skipped because the results file already has its key. */
  onSkipped?: (index: number, key: PromptId) => void;
}

/**
 * Sends each prompt of the source to `model`, at most `maxActive` at a time and within `rpm` / `tpm`, and emits one
 * `ChatResult` per prompt in completion order, tagged with the prompt's position in the source (`index`).
 *
 * Every attempt — the first send and each retry — waits for its turn from the rate limiter, reserving
 * `estimateInputTokens(messages) + (maxTokens ?? defaultOutputTokens)` tokens, corrected from the real usage
 * afterwards. Retryable errors are retried with exponential backoff (or the server's `retry-after`); a 429 whose own
 * headers show `remaining` 0 pauses the whole limiter, so every pipeline sharing it waits (the pause rule: see
 * `RateLimiter.refused`; otherwise only that prompt waits). A prompt that still fails
 * becomes an `ok: false` result; an invalid prompt becomes one at once, with its `InvalidOptionsError`, and nothing is
 * sent. Then `onError` applies: `'continue'` (default) goes on; `'return'` submits nothing new and completes once the
 * requests in flight have finished (prompts never submitted get no result); `'stop'` errors with the failure.
 * A fatal error (401, 402/quota, 403) always errors the Observable. Erroring or unsubscribing aborts every request in
 * flight. Invalid options throw `InvalidOptionsError` when `chatEach` is called.
 *
 * Cold: nothing is sent until subscription; each subscription has its own limiter unless `limiter` is given. Feed it
 * huge or endless sources through `pullPrompts`, so that prompts are read only as slots free up.
 *
 * @param model - The model, e.g. from `openai()`; its `provider` makes single attempts, its `params` and `retry` are defaults.
 * @param options - See `ChatEachOptions`.
 * @returns An operator from prompts to results.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { chatEach, openai } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * from(['Capital of Peru?', 'Capital of Chile?'])
 *   .pipe(chatEach(model, { maxActive: 4, rpm: 60 }))
 *   .subscribe((result) => console.log(result.index, result.ok ? result.response.text : result.error.message));
 * ```
 */
export function chatEach(model: ChatModel, options: ChatEachOptions = {}): OperatorFunction<Prompt, ChatResult> {
  return chatEachWith(model, options, 'continue', 'chatEach()');
}

/** `chatEach` with a chosen default `onError`, error label and hooks. Internal. */
export function chatEachWith(
  model: ChatModel,
  options: ChatEachOptions,
  defaultOnError: NonNullable<ChatEachOptions['onError']>,
  label: string,
  hooks: ChatEachHooks = {},
): OperatorFunction<Prompt, ChatResult> {
  assertChatModel(model, `${label} model`);
  const settings = pipelineSettings(model, validateOptions(chatEachOptionsSchema, options, `${label} options`), defaultOnError);
  const { checkpoint } = settings;
  if (checkpoint === undefined) return (source) => runPipeline(source, settings, (prompt, index, run) => chatOne(model, prompt, index, run, hooks));
  return (source) =>
    checkpointed(checkpoint, (file) =>
      runPipeline(source, settings, (prompt, index, run) =>
        unlessRecorded(file, prompt, index, hooks.onSkipped, (record) => chatOne(model, prompt, index, run, hooks, record)),
      ),
    );
}

function chatOne(
  model: ChatModel,
  prompt: Prompt,
  index: number,
  run: PipelineRun,
  hooks: ChatEachHooks,
  record?: (result: ChatResult, model: string) => void,
): Observable<ChatResult> {
  // One hand-written Observable per prompt, doing the work of `defer` + `mergeMap` + `map` + `catchError` + `finalize`:
  // the attempts (turn, send, retries) run inside, and the prompt's one result comes out.
  return new Observable<ChatResult>((subscriber) => {
    const { progress } = run;
    const state: PromptState = { submitted: false, sent: 0, capacityRefusals: 0 };
    const tag = itemTagOf(prompt);
    let hasOutcome = false;
    /** Emits the prompt's one result; a failure also ends the prompt (a success ends when its attempt completes). */
    const conclude = (result: ChatResult) => {
      hasOutcome = true;
      applyTag(result, tag);
      progress?.promptFinished(result.ok, state.submitted);
      if (!result.ok) {
        if (run.endsRun(result.error)) {
          hooks.onEndingFailure?.(result);
          subscriber.error(result.error);
          return;
        }
        run.failed(result.error);
      }
      if (record !== undefined) {
        try {
          record(result, model.model); // the checkpoint's line, before the result is seen
        } catch (error) {
          subscriber.error(error);
          return;
        }
      }
      subscriber.next(result);
      if (!result.ok) subscriber.complete();
    };

    let request: ProviderRequest;
    try {
      request = model.resolve(prompt, run.settings.params, `prompts[${index}]`);
    } catch (error) {
      conclude({ index, prompt, ok: false, error: toLlmError(error), attempts: 0 });
      return undefined;
    }
    const subscription = run
      .request({
        provider: model.provider.id,
        request,
        prompt: state,
        index,
        send: (reservation, inputTokens, sent) => sendOnce(model.provider, sent, reservation, inputTokens, run, state),
      })
      .subscribe({
        next: (response) => conclude({ index, prompt, ok: true, response, attempts: state.sent }),
        error: (error: unknown) => conclude({ index, prompt, ok: false, error: toLlmError(error, model.provider.id), attempts: state.sent }),
        // After a success, once the provider is done with the request; or a first attempt given up because the run
        // stopped submitting: no result.
        complete: () => subscriber.complete(),
      });
    return () => {
      subscription.unsubscribe();
      if (state.submitted && !hasOutcome) progress?.promptCancelled();
    };
  });
}

/**
 * One attempt: the request, then the limiter and progress told what it cost. A failed or aborted attempt keeps its
 * input estimate spent (the server may have read it) and gives back the output allowance.
 */
function sendOnce(provider: ChatProvider, request: ProviderRequest, reservation: Reservation, inputTokens: number, run: PipelineRun, prompt: PromptState): Observable<ChatResponse> {
  return new Observable<ChatResponse>((subscriber) => {
    let settled = false;
    const subscription = provider.chat(request).subscribe({
      next: (response) => {
        if (settled) return;
        settled = true;
        run.observe(response.rateLimit);
        settleUsage(reservation, limitedTokensOf(provider, response.usage, request.model), response.usage.outputTokens);
        run.progress?.tokensUsed(response.usage);
        subscriber.next(response);
      },
      error: (error: unknown) => {
        if (settled) {
          subscriber.complete(); // a provider failing after its answer: the answer stands, and is not retried
          return;
        }
        run.pauseFor(error, reservation, prompt);
        subscriber.error(error);
      },
      // The prompt's slot frees when the provider is done with the request (the transport completes once its socket
      // can take the next one), not at the answer, which is delivered at once.
      complete: () => {
        if (settled) subscriber.complete();
        else subscriber.error(new ResponseValidationError(`${provider.id} ended the request without a response.`, { provider: provider.id }));
      },
    });
    return () => {
      subscription.unsubscribe();
      if (!settled) settleUsage(reservation, inputTokens, 0);
    };
  });
}
