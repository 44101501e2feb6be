import { type Observable, type Subscription, tap } from 'rxjs';
import { type ChatResult, isLlmError, toLlmError } from '../index.js';
import { countLines } from './count-lines.js';
import type { ExitCode } from './exit-codes.js';
import { finishRun, type RunOutcome } from './finish-run.js';
import { handleSignals } from './handle-signals.js';
import type { PromptsInput } from './open-input.js';
import type { RunOptions } from './parse-run-args.js';
import { type PreparedRun, prepareRun } from './prepare-run.js';
import { promptSource } from './prompt-source.js';
import { recordResult } from './record-result.js';
import { RunSession } from './run-session.js';
import { applyOnError, sendPrompts } from './send-prompts.js';
import { startBanner } from './start-banner.js';
import { FatalCliError } from './usage-error.js';

/** What `runCommand` needs from the process (streams, signals, the command line), injectable for tests. */
export interface RunContext {
  /** The arguments after the script (`run prompts.jsonl …`), for the resume hint. */
  args: readonly string[];
  /** `process.argv[1]`, for the resume hint. */
  script: string | undefined;
  stdin: PromptsInput;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where SIGINT / SIGTERM handlers are installed. @defaultValue `process` */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Runs `rxllm run`: reads the prompts lazily, skips those already in the results file, sends the rest through the
 * library's `chatEach` (or `streamEach` with `--stream`) fed by `pullPrompts`, appends one line per outcome, shows
 * progress, and handles Ctrl-C (stop submitting, wait `graceMs` for requests in flight, then abort; twice aborts at
 * once; prompts never sent, still waiting for a limiter turn, do not hold it up: once nothing is in flight, it
 * ends). Fatal errors (401/402/403) and prompts refused by the budget are not recorded, so a resume sends them.
 *
 * Its phases: startup checks (`prepareRun`), banner (`startBanner`), the prompt source (`promptSource`), the
 * pipeline (`sendPrompts`), recording and `--on-error` (`recordResult`, `applyOnError`), signals, and the summary
 * and exit code (`finishRun`).
 *
 * @param options - The parsed flags.
 * @param context - The process's streams, signals and command line.
 * @returns The exit code (see `ExitCode`).
 * @throws UsageError for a model the library does not know; FatalCliError when a file cannot be used.
 */
export async function runCommand(options: RunOptions, context: RunContext): Promise<ExitCode> {
  const prepared = await prepareRun(options, context.stdin);
  const session = new RunSession(options, prepared.model.id, context.stderr);
  if (!options.quiet) for (const line of startBanner(options, prepared.model.id, prepared.scan)) session.say(line);
  const counting = countTotal(options.input, session);
  const results = sendPrompts(promptSource(options, prepared, session), options, prepared, session).pipe(
    tap((result) => recordThenApplyOnError(result, options, prepared, session)),
  );
  try {
    return await runToEnd(results, options, prepared, session, context);
  } finally {
    counting.abort();
  }
}

/** Counts the prompts file's lines in the background, for the progress display's total. */
function countTotal(input: string, session: RunSession): AbortController {
  const counting = new AbortController();
  if (input !== '-') {
    countLines(input, counting.signal).then(
      (total) => (session.stats.total = total),
      () => undefined,
    );
  }
  return counting;
}

/** Records a result, then applies `--on-error`: throwing ends the run (the pipeline's requests in flight are aborted). */
function recordThenApplyOnError(result: ChatResult, options: RunOptions, prepared: PreparedRun, session: RunSession): void {
  try {
    recordResult(result, options, prepared, session);
  } catch (error) {
    throw new FatalCliError(`cannot write to ${options.output}: ${(error as Error).message}`);
  }
  const ending = applyOnError(result, options.onError, session);
  if (ending !== undefined) throw ending;
}

/**
 * Subscribes the results until the run ends: completion, an error, or signals (the first stops submitting and waits
 * `graceMs` for the requests in flight; the second, or the grace running out, aborts them).
 */
function runToEnd(results: Observable<ChatResult>, options: RunOptions, prepared: PreparedRun, session: RunSession, context: RunContext): Promise<ExitCode> {
  return new Promise<ExitCode>((resolveRun) => {
    let subscription: Subscription | undefined;
    let stopping: 'SIGINT' | 'SIGTERM' | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (outcome: Omit<RunOutcome, 'signal'>) => {
      if (finished) return;
      finished = true;
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      removeSignalHandlers();
      resolveRun(finishRun({ ...outcome, how: stopping === undefined ? outcome.how : 'interrupted', signal: stopping }, options, prepared, session, context));
    };
    const abortNow = () => {
      subscription?.unsubscribe();
      finish({ how: 'interrupted' });
    };
    // Prompts still waiting for a limiter turn were never sent: they do not hold a shutdown up. Once no request is in
    // flight (checked at the signal and after each result is recorded, so no answer is lost), the rest end at once,
    // recorded as nothing, so a resume sends them (issue 17).
    const endOnceNothingInFlight = () => {
      if (stopping !== undefined && session.tracker.snapshot().inFlight === 0) abortNow();
    };
    const removeSignalHandlers = handleSignals(context.signals ?? process, {
      first: (signal) => {
        stopping = signal;
        const inFlight = session.tracker.snapshot().inFlight;
        session.say(
          `${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'}: sending nothing new; waiting up to ${options.graceMs / 1000}s for ${inFlight} request${inFlight === 1 ? '' : 's'} in flight (Ctrl-C again to abort now)`,
        );
        session.stop$.next();
        graceTimer = setTimeout(abortNow, options.graceMs);
        endOnceNothingInFlight();
      },
      again: () => {
        session.say('aborting the requests in flight');
        abortNow();
      },
    });

    session.display.start();
    subscription = results.subscribe({
      next: endOnceNothingInFlight,
      error: (error: unknown) => finish({ how: 'stopped', fatal: isLlmError(error) || error instanceof Error ? error : toLlmError(error) }),
      complete: () => finish({ how: 'finished' }),
    });
  });
}
