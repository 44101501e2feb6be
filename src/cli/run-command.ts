import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { catchError, map, mergeMap, type Observable, of, reduce, Subject, type Subscription, takeUntil, takeWhile, tap } from 'rxjs';
import { usageBudget } from '../cost/usage-budget.js';
import { priceOf } from '../cost/model-prices.js';
import { BudgetExceededError, isLlmError, type LlmError, toLlmError } from '../errors/llm-error.js';
import { chatEachWith } from '../pipeline/chat-each.js';
import type { PipelineOptions } from '../pipeline/pipeline-options.js';
import { streamEach } from '../pipeline/stream-each.js';
import { progressTracker } from '../progress/progress-tracker.js';
import type { ChatModel } from '../model/chat-provider.js';
import { pullPrompts } from '../pipeline/pull-prompts.js';
import type { StructuredOutput } from '../structured/structured-output.js';
import type { ChatChunk, ChatResponse, ChatResult, Prompt, Usage } from '../types.js';
import { countLines } from './count-lines.js';
import { createCliModel } from './create-cli-model.js';
import { createSharedLimiter } from './create-shared-limiter.js';
import { ExitCode } from './exit-codes.js';
import { failedResultLine, formatResultLine, okResultLine, type ResultContext } from './format-result-line.js';
import { formatCommand } from './format-command.js';
import { formatCount } from './format-figures.js';
import { formatSummary, type RunEnding } from './format-summary.js';
import { loadStructuredSchema } from './load-structured-schema.js';
import type { RunOptions } from './parse-run-args.js';
import type { PromptLine } from './parse-prompt-line.js';
import { createProgressDisplay, type ProgressDisplay } from './progress-display.js';
import { readPrompts } from './read-prompts.js';
import { ResultsWriter } from './results-writer.js';
import { RunStats } from './run-stats.js';
import { scanResultsFile } from './scan-results-file.js';
import { FatalCliError, UsageError } from './usage-error.js';

/** What `runCommand` needs from the process (streams, signals, the command line), injectable for tests. */
export interface RunContext {
  /** The arguments after the script (`run prompts.jsonl …`), for the resume hint. */
  args: readonly string[];
  /** `process.argv[1]`, for the resume hint. */
  script: string | undefined;
  stdin: NodeJS.ReadableStream & AsyncIterable<Uint8Array | string> & { destroy?: () => void };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where SIGINT / SIGTERM handlers are installed. @defaultValue `process` */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/** One prompt between being pulled into the pipeline and its outcome. */
interface Pending {
  line: PromptLine;
  startedAt: number;
}

/**
 * Runs `rxllm run`: reads the prompts lazily, skips those already in the results file, sends the rest through the
 * library's `chatEach` (or `streamEach` with `--stream`) fed by `pullPrompts`, appends one line per outcome, shows
 * progress, and handles Ctrl-C (stop submitting, wait `graceMs` for requests in flight, then abort; twice aborts at
 * once). Fatal errors (401/402/403) and prompts refused by the budget are not recorded, so a resume sends them.
 *
 * @param options - The parsed flags.
 * @param context - The process's streams, signals and command line.
 * @returns The exit code (see `ExitCode`).
 * @throws UsageError for a model the library does not know; FatalCliError when a file cannot be used.
 */
export async function runCommand(options: RunOptions, context: RunContext): Promise<ExitCode> {
  const { stderr } = context;
  const now = () => performance.now();
  if (options.input !== '-' && resolvePath(options.input) === resolvePath(options.output)) {
    throw new UsageError('the results file (-o) must not be the prompts file', 'run');
  }
  const model = createCliModel(options);
  if (options.maxCost !== undefined && priceOf(model.id) === undefined) {
    throw new UsageError(`--max-cost: no price is known for ${model.id}, so a cost budget cannot be kept (use --max-total-tokens)`, 'run');
  }
  const structured = options.structured === undefined ? undefined : await loadStructuredSchema(options.structured);
  const shared = await createSharedLimiter(options); // --redis: the budget shared with other processes
  const input = await openInput(options.input, context.stdin);
  let scan: Awaited<ReturnType<typeof scanResultsFile>>;
  let writer: ResultsWriter;
  try {
    scan = await scanResultsFile(options.output, { retryFailed: options.retryFailed });
    writer = ResultsWriter.open(options.output);
  } catch (error) {
    if (input !== context.stdin) input.destroy?.();
    throw error;
  }

  const stats = new RunStats(model.id, now);
  const tracker = progressTracker();
  const quiet = options.quiet;
  const mode = options.progress === 'auto' ? (stderr.isTTY === true ? 'bar' : 'lines') : options.progress; // a bar needs a TTY
  const display: ProgressDisplay = createProgressDisplay({
    mode,
    stream: stderr,
    stats,
    figures: () => tracker.snapshot(),
    intervalMs: options.progressIntervalMs,
  });
  const say = (message: string) => display.log(`rxllm: ${message}`);

  if (!quiet) {
    const limits = [`${options.maxActive} in flight at most`, `${options.rpm} rpm`];
    if (options.tpm !== undefined) limits.push(`${options.tpm} tpm`);
    if (shared !== undefined) limits.push(`shared in Redis as "${options.limiterKey}"`);
    if (options.maxCost !== undefined) limits.push(`budget $${options.maxCost}`);
    if (options.maxTotalTokens !== undefined) limits.push(`budget ${options.maxTotalTokens} tokens`);
    say(`${options.input === '-' ? 'stdin' : options.input} → ${options.output} with ${model.id}${options.stream ? ' (streaming)' : ''}: ${limits.join(', ')}`);
    if (scan.tornBytes > 0) {
      say(`removed a torn last line (${scan.tornBytes} bytes) from ${options.output}: the previous run was killed mid-write`);
    }
    if (scan.ok + scan.failed > 0) {
      const failedNote = options.retryFailed
        ? `${formatCount(scan.failed)} failed will be sent again`
        : `${formatCount(scan.failed)} failed${scan.failed > 0 ? ' (use --retry-failed to send those again)' : ''}`;
      say(`resuming: ${formatCount(scan.ok)} ok and ${failedNote} already in ${options.output}`);
    }
  }

  const counting = new AbortController();
  if (options.input !== '-') {
    countLines(options.input, counting.signal).then(
      (total) => (stats.total = total),
      () => undefined,
    );
  }

  const pending = new Map<number, Pending>();
  const stop$ = new Subject<void>();
  let badLineStop: string | undefined;
  let ordinal = 0;
  const source = readPrompts(input, {
    done: scan.done,
    badLines: options.badLines,
    onBadLine: (bad) => {
      stats.badLines += 1;
      if (options.badLines === 'fail') badLineStop = bad.message;
      else display.log(`rxllm: ${bad.message} (skipped)`);
    },
    onSkipped: () => {
      stats.skipped += 1;
    },
  });
  const budget =
    options.maxCost === undefined && options.maxTotalTokens === undefined
      ? undefined
      : usageBudget({
          ...(options.maxCost === undefined ? {} : { maxCost: options.maxCost }),
          ...(options.maxTotalTokens === undefined ? {} : { maxTotalTokens: options.maxTotalTokens }),
        });
  let budgetReached = false;
  const reachBudget = () => {
    if (budgetReached) return;
    budgetReached = true;
    display.log('rxllm: budget reached: sending nothing new (a request could overrun it)');
    stop$.next(); // every later prompt would be refused too: stop reading the input
  };

  let inputDone = false;
  const prompts$: Observable<Prompt> = pullPrompts(source, { readAhead: 0 }).pipe(
    tap({ complete: () => (inputDone = true) }),
    takeUntil(stop$),
    takeWhile(() => {
      if (budget?.state().exhausted === true) reachBudget();
      return !budgetReached;
    }),
    map((line) => {
      pending.set(ordinal++, { line, startedAt: now() });
      return structured === undefined ? line.prompt : structured.apply(line.prompt);
    }),
  );

  const pipelineOptions: PipelineOptions = {
    maxActive: options.maxActive,
    rpm: options.rpm,
    ...(options.tpm === undefined ? {} : { tpm: options.tpm }),
    ...(shared === undefined ? {} : { limiter: shared.limiter }),
    retry: { maxRetries: options.maxRetries },
    onError: options.onError,
    params: options.params,
    progress: tracker,
    ...(budget === undefined ? {} : { budget }),
  };
  const results$: Observable<ChatResult> = options.stream
    ? prompts$.pipe(
        streamEach(model, pipelineOptions),
        mergeMap((item) => {
          const entry = pending.get(item.index);
          if (entry !== undefined) entry.startedAt = now();
          return collectStream(item.index, item.prompt, item.chunks, model.model);
        }),
      )
    : prompts$.pipe(chatEachWith(model, pipelineOptions, 'continue', 'rxllm run', { onEndingFailure: (result) => record(result) }));

  function record(result: ChatResult): void {
    const entry = pending.get(result.index);
    if (entry === undefined) return;
    pending.delete(result.index);
    const context: ResultContext = {
      id: entry.line.id,
      index: entry.line.index,
      model: model.model,
      // streamEach does not report attempts per prompt.
      attempts: options.stream ? null : result.attempts,
      latencyMs: Math.round(now() - entry.startedAt),
      ...(entry.line.meta === undefined ? {} : { meta: entry.line.meta }),
    };
    if (result.ok) {
      const parsed = structured?.parse(result.response.text, {
        provider: model.provider.id,
        ...(result.response.requestId === undefined ? {} : { requestId: result.response.requestId }),
      });
      if (parsed !== undefined && !parsed.ok) {
        writer.writeLine(formatResultLine(failedResultLine(context, parsed.error)));
        stats.recordFailed(context.latencyMs, result.response.usage, result.response.model || model.model);
        return;
      }
      writer.writeLine(formatResultLine(okResultLine(context, result.response, parsed?.ok === true ? parsed.value : undefined)));
      stats.recordOk(result.response.usage, result.response.model || model.model, context.latencyMs);
      return;
    }
    // Not recorded, so that a resume sends them: fatal errors (fix the key or the credit, re-run) and budget refusals.
    if (result.error.fatal) return;
    if (result.error instanceof BudgetExceededError) {
      stats.notSent += 1;
      reachBudget();
      return;
    }
    writer.writeLine(formatResultLine(failedResultLine(context, result.error)));
    stats.recordFailed(context.latencyMs);
  }

  return new Promise<ExitCode>((resolveRun) => {
    const signals = context.signals ?? process;
    let subscription: Subscription | undefined;
    let stopping: 'SIGINT' | 'SIGTERM' | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let finished = false;

    const finish = (how: RunEnding, fatal?: LlmError | Error) => {
      if (finished) return;
      finished = true;
      // streamEach gives a prompt the budget refused no item at all: those are still pending at the end.
      if (budget !== undefined && how === 'finished') stats.notSent += pending.size;
      // `--on-error return` completes the pipeline before the input is read to the end.
      const ending: RunEnding = how === 'finished' && !inputDone ? 'stopped' : how;
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      signals.off('SIGINT', onSigint);
      signals.off('SIGTERM', onSigterm);
      counting.abort();
      display.stop();
      let closeError: unknown;
      try {
        writer.close();
      } catch (error) {
        closeError = error;
      }
      void model.provider.close?.().catch(() => undefined);
      void shared?.close();

      const command = formatCommand(context.script, context.args);
      const lines: string[] = [];
      if (badLineStop !== undefined) lines.push(`rxllm: ${badLineStop} (stopped: --bad-lines fail)`);
      if (fatal !== undefined) lines.push(`rxllm: fatal: ${describeFatal(fatal)}`);
      if (closeError !== undefined) lines.push(`rxllm: fatal: cannot flush ${options.output}: ${(closeError as Error).message}`);
      if (!quiet) stderr.write(formatSummary(stats, { ending, output: options.output }));
      const unfinished = ending !== 'finished' || badLineStop !== undefined || stats.notSent > 0;
      if (unfinished) {
        const stdinNote = options.input === '-' ? ' (with the same prompts on stdin)' : '';
        lines.push(`rxllm: to resume, run${stdinNote}: ${command}`);
      }
      if (stats.failed + scan.failed > 0 && !options.retryFailed && !quiet) {
        lines.push(`rxllm: ${formatCount(stats.failed + scan.failed)} failed; to send them again: ${command} --retry-failed`);
      }
      if (lines.length > 0) stderr.write(`${lines.join('\n')}\n`);

      if (stopping !== undefined) resolveRun(stopping === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated);
      else if (fatal !== undefined || closeError !== undefined || badLineStop !== undefined) resolveRun(ExitCode.fatal);
      else if (stats.failed > 0 || stats.badLines > 0 || stats.notSent > 0) resolveRun(ExitCode.someFailed);
      else resolveRun(ExitCode.ok);
    };

    const abortNow = () => {
      subscription?.unsubscribe();
      finish('interrupted');
    };
    const stopSubmitting = (signal: 'SIGINT' | 'SIGTERM') => {
      if (stopping !== undefined) {
        display.log('rxllm: aborting the requests in flight');
        abortNow();
        return;
      }
      stopping = signal;
      const inFlight = tracker.snapshot().inFlight;
      display.log(
        `rxllm: ${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}: sending nothing new; waiting up to ${options.graceMs / 1000}s for ${inFlight} request${inFlight === 1 ? '' : 's'} in flight (Ctrl-C again to abort now)`,
      );
      stop$.next();
      graceTimer = setTimeout(abortNow, options.graceMs);
    };
    const onSigint = () => stopSubmitting('SIGINT');
    const onSigterm = () => stopSubmitting('SIGTERM');
    signals.on('SIGINT', onSigint);
    signals.on('SIGTERM', onSigterm);

    display.start();
    subscription = results$
      .pipe(
        tap({
          next: (result) => {
            try {
              record(result);
            } catch (error) {
              throw new FatalCliError(`cannot write to ${options.output}: ${(error as Error).message}`);
            }
          },
        }),
      )
      .subscribe({
        error: (error: unknown) => finish(stopping === undefined ? 'stopped' : 'interrupted', isLlmError(error) || error instanceof Error ? error : toLlmError(error)),
        complete: () => finish(stopping === undefined ? 'finished' : 'interrupted'),
      });
  });
}

/** Opens the prompts file (or stdin), failing early and clearly when it cannot be read. */
async function openInput(path: string, stdin: RunContext['stdin']): Promise<RunContext['stdin']> {
  if (path === '-') return stdin;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new FatalCliError(`cannot read the prompts file ${path}: it is a directory`);
  } catch (error) {
    if (error instanceof FatalCliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new FatalCliError(`cannot read the prompts file ${path}: ${reason}`);
  }
  const stream = createReadStream(path);
  await new Promise<void>((resolveOpen, rejectOpen) => {
    stream.once('open', () => resolveOpen());
    stream.once('error', (error: NodeJS.ErrnoException) =>
      rejectOpen(new FatalCliError(`cannot read the prompts file ${path}: ${error.code === 'EACCES' ? 'permission denied' : error.message}`)),
    );
  });
  return stream;
}

/** Collects one stream's chunks into the `ChatResult` the results file records. */
function collectStream(index: number, prompt: Prompt, chunks: Observable<ChatChunk>, model: string): Observable<ChatResult> {
  interface Collected {
    text: string;
    finishReason: string | null;
    usage: Usage | undefined;
    model: string | undefined;
    requestId: string | undefined;
  }
  const initial: Collected = { text: '', finishReason: null, usage: undefined, model: undefined, requestId: undefined };
  return chunks.pipe(
    reduce<ChatChunk, Collected>(
      (all, chunk) => ({
        text: all.text + chunk.text,
        finishReason: chunk.finishReason ?? all.finishReason,
        usage: chunk.usage ?? all.usage,
        model: all.model ?? chunk.model,
        requestId: all.requestId ?? chunk.requestId,
      }),
      initial,
    ),
    map((all): ChatResult => {
      const response: ChatResponse = {
        text: all.text,
        finishReason: all.finishReason,
        usage: all.usage ?? { inputTokens: 0, outputTokens: 0 },
        model: all.model ?? model,
        ...(all.requestId === undefined ? {} : { requestId: all.requestId }),
        raw: undefined,
      };
      return { index, prompt, ok: true, response, attempts: 1 };
    }),
    catchError((error: unknown) => of<ChatResult>({ index, prompt, ok: false, error: toLlmError(error), attempts: 1 })),
  );
}

function describeFatal(error: Error): string {
  if (isLlmError(error) && error.fatal) {
    return `${error.message} (${error.name}: nothing else in this batch can succeed; fix it and re-run to resume)`;
  }
  return error.message;
}
