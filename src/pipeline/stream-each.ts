import { catchError, Observable, of, type OperatorFunction, throwError } from 'rxjs';
import { z } from 'zod';
import { BudgetExceededError, type LlmError, StreamInterruptedError, toLlmError } from '../errors/llm-error.js';
import type { ChatModel, ChatProvider } from '../model/chat-provider.js';
import { estimateInputTokens } from '../model/estimate-tokens.js';
import { estimateTextTokens } from '../model/estimate-text-tokens.js';
import { limitedTokensOf } from '../model/limited-tokens-of.js';
import { settleUsage } from './internal/settle-usage.js';
import type { Reservation } from '../rate-limiter/rate-limiter-types.js';
import type { ProviderRequest } from '../types.js';
import type { ChatChunk, ChatMessage, ChatResponse, ChatResult, ItemTag, Prompt, Usage } from '../types.js';
import { checkpointed, unlessRecorded } from './internal/checkpointed.js';
import { responseOfChunks } from './internal/response-of-chunks.js';
import { applyTag, itemTagOf } from '../internal/item-tag.js';
import { validateOptions } from '../internal/validate-options.js';
import { streamFailure } from '../model/mark-stream-interruption.js';
import { ReplayChannel } from './internal/replay-channel.js';
import { type PipelineOptions, pipelineOptionsShape } from './pipeline-options.js';
import { DEFAULT_RETRY } from '../model/retry-with-backoff.js';
import type { PipelineRun, PromptState } from './internal/pipeline-run.js';
import { assertChatModel, pipelineSettings } from './internal/pipeline-settings.js';
import { runPipeline } from './internal/run-pipeline.js';

/**
 * Options of `streamEach`: those of `chatEach`, plus `resumeStreams`.
 *
 * @example
 * ```ts
 * import { from, mergeMap } from 'rxjs';
 * import { anthropic, streamEach, type StreamEachOptions } from 'rxllm';
 * const options: StreamEachOptions = { maxActive: 4, resumeStreams: true }; // a broken stream continues where it stopped
 * from(['Tell a story.', 'Tell a joke.'])
 *   .pipe(streamEach(anthropic({ model: 'claude-haiku-4-5' }), options), mergeMap((item) => item.text))
 *   .subscribe((text) => console.log(text));
 * ```
 */
export interface StreamEachOptions extends PipelineOptions {
  /**
   * When a stream breaks after its first chunk, re-request it with the partial answer as an assistant prefix, so
   * that the consumer sees one continuous stream. Only where `model.provider.supportsPrefill` (elsewhere the item
   * fails with `StreamInterruptedError` as usual); at most `retry.maxRetries` resumptions per prompt. A resumed
   * request asks only for the output tokens left of the prompt's `maxTokens` (when it sets one): the broken
   * request's reported output tokens, else the larger of its text chunks and the estimate of its text, are taken
   * off; when none are left nothing more is sent and the stream ends with `finishReason: 'length'`. The item's
   * `response.usage` adds up every request it took (a broken request that reported no usage counts its input
   * estimate and the output tokens taken off).
   * @defaultValue `false`
   */
  resumeStreams?: boolean;
}

/**
 * One started streaming request.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { openai, streamEach, type StreamItem } from 'rxllm';
 * const show = async (item: StreamItem) => console.log(`#${item.index}:`, await item.text.catch((error: Error) => error.message));
 * from(['Say hi.', 'Say hello.'])
 *   .pipe(streamEach(openai({ model: 'gpt-4o-mini' })))
 *   .subscribe((item) => void show(item));
 * ```
 */
export interface StreamItem extends ItemTag {
  /** The prompt's position in the source. */
  index: number;
  prompt: Prompt;
  /**
   * The answer's chunks, replayed from the first, so a late subscriber misses none. Errors with the item's failure:
   * an `LlmError` after retries, a `StreamInterruptedError` (keeping `partialText`) when the stream broke after its
   * first chunk, or a `StreamInterruptedError` with code `cancelled` when the pipeline was unsubscribed or stopped.
   */
  chunks: Observable<ChatChunk>;
  /** The whole text once the stream ends; rejects as `chunks` errors. An unobserved rejection is never reported as unhandled. */
  text: Promise<string>;
  /**
   * The whole response once the stream ends: the chunks' text, the last finish reason and usage, the first model and
   * request id (the request's model, and zero usage, where the stream gave none), `raw` undefined. Rejects as
   * `chunks` errors; an unobserved rejection is never reported as unhandled.
   */
  response: Promise<ChatResponse>;
}

/** The strict zod schema of `StreamEachOptions`. */
export const streamEachOptionsSchema = z.strictObject({ ...pipelineOptionsShape, resumeStreams: z.boolean().optional() });

/**
 * Streams the answer of each prompt of the source from `model`, at most `maxActive` streams at a time and within
 * `rpm` / `tpm`, and emits one `StreamItem` per prompt as soon as its request is sent (the limiter granted its turn):
 * the item's `chunks` carry the token deltas. Items come in start order, tagged with the prompt's `index`.
 *
 * A stream holds its `maxActive` slot until its last chunk and the end of its response (which the server may close a
 * little later; at most 1 s is waited for it). Every attempt takes a limiter turn; a stream is retried
 * only before its first chunk (the item is emitted once, and a retry continues the same `chunks`); a drop after that
 * fails the item with `StreamInterruptedError` (or resumes it, with `resumeStreams`). A prompt that fails before
 * anything is sent (an invalid prompt, with its `InvalidOptionsError`) is emitted at once with failing `chunks`, so
 * every prompt gets exactly one item — except a prompt a `budget` refused, which counts as never submitted and gets
 * none. A failed item's `chunks` error; then
 * `onError` applies as in `chatEach` (`'continue'` by default; `'return'` starts nothing new; `'stop'` and fatal
 * errors error the Observable). Unsubscribing aborts the streams in flight; their `chunks` then error with a
 * `StreamInterruptedError` whose code is `cancelled`, so no `text` waits forever. Invalid options throw at call.
 *
 * @param model - The model, e.g. from `openai()`.
 * @param options - See `StreamEachOptions`.
 * @returns An operator from prompts to stream items.
 *
 * @example
 * ```ts
 * import { from, mergeMap, map } from 'rxjs';
 * import { openai, streamEach } from 'rxllm';
 * const model = openai({ model: 'gpt-4o-mini' });
 * from(['Write a haiku about rain.', 'Write a haiku about snow.'])
 *   .pipe(
 *     streamEach(model, { maxActive: 2 }),
 *     mergeMap((item) => item.chunks.pipe(map((chunk) => `[${item.index}] ${chunk.text}`))),
 *   )
 *   .subscribe(console.log);
 * ```
 */
export function streamEach(model: ChatModel, options: StreamEachOptions = {}): OperatorFunction<Prompt, StreamItem> {
  assertChatModel(model, 'streamEach() model');
  const { resumeStreams = false, ...pipelineOptions } = validateOptions(streamEachOptionsSchema, options, 'streamEach() options');
  const settings = pipelineSettings(model, pipelineOptions, 'continue');
  const { checkpoint } = settings;
  if (checkpoint === undefined) return (source) => runPipeline(source, settings, (prompt, index, run) => streamOne(model, prompt, index, run, resumeStreams));
  return (source) =>
    checkpointed(checkpoint, (file) =>
      runPipeline(source, settings, (prompt, index, run) =>
        unlessRecorded(file, prompt, index, undefined, (record) => streamOne(model, prompt, index, run, resumeStreams, record)),
      ),
    );
}

function streamOne(
  model: ChatModel,
  prompt: Prompt,
  index: number,
  run: PipelineRun,
  resumeStreams: boolean,
  record?: (result: ChatResult, model: string) => void,
): Observable<StreamItem> {
  return new Observable<StreamItem>((subscriber) => {
    const { progress } = run;
    const { provider } = model;
    const chunks = new ReplayChannel<ChatChunk>();
    // Settled where `chunks` ends, from every chunk it carried: what `lastValueFrom(chunks.pipe(reduce(…)))` gives,
    // without a second subscriber (or a string built up) per chunk.
    const text = settleable<string>();
    const response = settleable<ChatResponse>();
    const item: StreamItem = applyTag({ index, prompt, chunks: chunks.observable, text: text.promise, response: response.promise }, itemTagOf(prompt));
    const reject = (error: LlmError) => {
      text.reject(error);
      response.reject(error);
      chunks.error(error);
    };
    const state: PromptState = { submitted: false, sent: 0, capacityRefusals: 0 };
    let emitted = false;
    let ended = false;

    const emit = () => {
      if (emitted) return;
      emitted = true;
      subscriber.next(item);
    };
    // A prompt that fails before its request is sent (invalid, or the limiter failed) still gets its one item,
    // failed; one the budget refused was never submitted, and gets none (as it gets `null` in `parallelChat`).
    const fail = (error: LlmError) => {
      ended = true;
      if (state.submitted || !(error instanceof BudgetExceededError)) emit();
      reject(error);
      progress?.promptFinished(false, state.submitted);
      if (run.endsRun(error)) {
        subscriber.error(error);
        return;
      }
      run.failed(error);
      if (recorded({ index, prompt, ok: false, error, attempts: state.sent })) subscriber.complete();
    };
    /** Appends the outcome to the checkpoint, if any; a write that throws ends the run with its error. */
    const recorded = (result: ChatResult): boolean => {
      if (record === undefined) return true;
      try {
        record(result, model.model);
        return true;
      } catch (writeError) {
        subscriber.error(writeError);
        return false;
      }
    };

    let request: ProviderRequest;
    try {
      request = model.resolve(prompt, run.settings.params, `prompts[${index}]`);
    } catch (error) {
      fail(toLlmError(error));
      return undefined;
    }

    let attemptFrom = 0; // where the chunks of the latest attempt start in `chunks`
    const attemptStream = (attemptRequest: ProviderRequest): Observable<ChatChunk> =>
      run.request({
        provider: provider.id,
        request: attemptRequest,
        prompt: state,
        index,
        onSubmitted: emit,
        send: (reservation, inputTokens, sent) => {
          const from = chunks.size; // this attempt's chunks are the ones `chunks` carries from here on
          attemptFrom = from;
          return sendStream(provider, sent, reservation, inputTokens, run, () => textOf(chunks.slice(from)), state);
        },
      });
    const canResume = resumeStreams && provider.supportsPrefill;
    /** Usage of the broken requests a resumption followed (reported, else estimated: see `brokenAttemptUsage`). */
    const spent: Usage[] = [];
    const streamFrom = (prefix: string, resumesLeft: number, outputLeft: number | undefined): Observable<ChatChunk> => {
      const attemptRequest = prefix === '' ? request : withPrefill(request, prefix, outputLeft);
      const attempts = attemptStream(attemptRequest);
      if (!canResume) return attempts; // nothing is ever resumed: errors pass as they are
      return attempts.pipe(
        catchError((error: unknown) => {
          if (error instanceof StreamInterruptedError) {
            const partial = prefix + error.partialText;
            if (resumesLeft > 0) {
              const used = brokenAttemptUsage(chunks.slice(attemptFrom), attemptRequest);
              spent.push(used);
              const left = outputLeft === undefined ? undefined : outputLeft - used.outputTokens;
              // Every output token allowed is spent: the answer is as long as it may be, as a whole one would end.
              if (left !== undefined && left <= 0) {
                attemptFrom = chunks.size; // the closing chunk is no request's: it adds no usage
                return of<ChatChunk>({ text: '', finishReason: 'length' });
              }
              return streamFrom(partial, resumesLeft - 1, left);
            }
            return throwError(() => (prefix === '' ? error : interrupted(partial, error, provider.id)));
          }
          return throwError(() => (prefix === '' ? error : interrupted(prefix, error, provider.id)));
        }),
      );
    };

    const subscription = streamFrom('', run.settings.retry.maxRetries ?? DEFAULT_RETRY.maxRetries, request.params.maxTokens).subscribe({
      next: (chunk) => chunks.next(chunk),
      error: (error: unknown) => fail(toLlmError(error, provider.id)),
      complete: () => {
        ended = true;
        if (state.submitted) {
          const all = chunks.slice();
          const answer = responseOfChunks(all, request.model);
          text.resolve(textOf(all));
          // Resumed: every request's usage, the last one's as its own chunks report it.
          if (spent.length > 0) answer.usage = sumUsage([...spent, lastUsageOf(all.slice(attemptFrom)) ?? { inputTokens: 0, outputTokens: 0 }]);
          response.resolve(answer);
          chunks.complete();
          progress?.promptFinished(true, true);
          if (!recorded({ index, prompt, ok: true, response: answer, attempts: state.sent })) return;
        }
        subscriber.complete();
      },
    });
    return () => {
      subscription.unsubscribe();
      if (state.submitted && !ended) {
        ended = true;
        const cancelled = new StreamInterruptedError(textOf(chunks.slice()), { code: 'cancelled', provider: provider.id, cause: new Error('The pipeline was unsubscribed.') });
        reject(cancelled);
        progress?.promptCancelled();
      }
    };
  });
}

/**
 * One streamed attempt; the limiter and progress are told what it cost when it ends. A failure after the first chunk
 * becomes a `StreamInterruptedError` with the attempt's text, `attemptText()` (see `markStreamInterruption`), so it is
 * never retried.
 */
function sendStream(
  provider: ChatProvider,
  request: ProviderRequest,
  reservation: Reservation,
  inputTokens: number,
  run: PipelineRun,
  attemptText: () => string,
  prompt: PromptState,
): Observable<ChatChunk> {
  // One hand-written layer doing the work of `tap` + `finalize` + `markStreamInterruption`: every chunk of every
  // stream passes through here.
  return new Observable<ChatChunk>((subscriber) => {
    let observed = false;
    let started = false;
    let usage: Usage | undefined;
    const subscription = provider.stream(request).subscribe({
      next: (chunk) => {
        if (!observed) {
          // The first chunk is the answer's head: its rate-limit headers, if any (and, for 'auto' limits, the end of
          // the conservative start even without them).
          observed = true;
          run.observe(chunk.rateLimit);
        }
        if (chunk.usage !== undefined) usage = chunk.usage;
        started = true;
        subscriber.next(chunk);
      },
      error: (error: unknown) => {
        run.pauseFor(error, reservation, prompt);
        subscriber.error(streamFailure(error, started, started ? attemptText() : '', provider.id));
      },
      complete: () => subscriber.complete(),
    });
    return () => {
      subscription.unsubscribe();
      if (usage === undefined) {
        settleUsage(reservation, inputTokens, 0);
        return;
      }
      settleUsage(reservation, limitedTokensOf(provider, usage, request.model), usage.outputTokens);
      run.progress?.tokensUsed(usage);
    };
  });
}

/** A promise with its settling functions; its rejection stays observable to whoever awaits it, and is never reported as unhandled. */
function settleable<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((resolvePromise, rejectPromise) => {
    resolve = resolvePromise;
    reject = rejectPromise;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** The text of `chunks`, joined. */
function textOf(chunks: readonly ChatChunk[]): string {
  let text = '';
  for (const chunk of chunks) text += chunk.text;
  return text;
}

/**
 * The request with `prefix` as (the end of) a final assistant message, for providers that continue it, asking for at
 * most `outputLeft` tokens (unchanged when undefined: the prompt set no `maxTokens`).
 */
function withPrefill(request: ProviderRequest, prefix: string, outputLeft: number | undefined): ProviderRequest {
  const last = request.messages.at(-1);
  const messages =
    last?.role === 'assistant'
      ? [...request.messages.slice(0, -1), { role: 'assistant' as const, content: appendText(last.content, prefix) }]
      : [...request.messages, { role: 'assistant' as const, content: prefix }];
  return outputLeft === undefined ? { ...request, messages } : { ...request, messages, params: { ...request.params, maxTokens: outputLeft } };
}

/**
 * What a request whose stream broke cost, from its chunks: the usage it reported, if any, else the input estimate of
 * its messages; output tokens at least the larger of its text-bearing chunks (a server streams about one token per
 * chunk) and the estimate of its text (`estimateTextTokens`, an upper bound on the scripts it was checked on).
 */
function brokenAttemptUsage(attemptChunks: readonly ChatChunk[], attemptRequest: ProviderRequest): Usage {
  const reported = lastUsageOf(attemptChunks);
  let textChunks = 0;
  for (const chunk of attemptChunks) if (chunk.text !== '') textChunks += 1;
  const outputTokens = Math.max(reported?.outputTokens ?? 0, textChunks, estimateTextTokens(textOf(attemptChunks)));
  return { ...(reported ?? { inputTokens: estimateInputTokens(attemptRequest.messages) }), outputTokens };
}

/** The last usage the chunks carry. */
function lastUsageOf(chunks: readonly ChatChunk[]): Usage | undefined {
  let usage: Usage | undefined;
  for (const chunk of chunks) usage = chunk.usage ?? usage;
  return usage;
}

/** The usages added up, field by field (an optional part only where some usage has it). */
function sumUsage(usages: readonly Usage[]): Usage {
  const total: Usage = { inputTokens: 0, outputTokens: 0 };
  for (const usage of usages) {
    for (const key of USAGE_FIELDS) {
      const value = usage[key];
      if (value !== undefined) total[key] = (total[key] ?? 0) + value;
    }
  }
  return total;
}

const USAGE_FIELDS = ['inputTokens', 'outputTokens', 'cachedInputTokens', 'cacheWriteInputTokens', 'reasoningTokens'] as const satisfies readonly (keyof Usage)[];

/** `content` followed by `text`: joined to a string, or as one more text part. */
function appendText(content: ChatMessage['content'], text: string): ChatMessage['content'] {
  return typeof content === 'string' ? content + text : [...content, { type: 'text', text }];
}

function interrupted(partialText: string, cause: unknown, provider: string): StreamInterruptedError {
  const base = cause instanceof StreamInterruptedError ? cause : undefined;
  return new StreamInterruptedError(partialText, { provider, cause: base?.cause ?? cause, status: base?.status, requestId: base?.requestId });
}
