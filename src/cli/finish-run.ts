import { isLlmError } from '../index.js';
import { ExitCode } from './exit-codes.js';
import { formatCommand } from './format-command.js';
import { formatCount } from './format-figures.js';
import { formatSummary, type RunEnding } from './format-summary.js';
import type { RunOptions } from './parse-run-args.js';
import type { PreparedRun } from './prepare-run.js';
import type { RunSession } from './run-session.js';

/** How a run came to its end. */
export interface RunOutcome {
  how: RunEnding;
  /** The error that ended it, if one did. */
  fatal?: Error | undefined;
  /** The signal that stopped it, if one did. */
  signal?: 'SIGINT' | 'SIGTERM' | undefined;
}

/** Where the summary goes, and the command line to repeat for a resume. */
export interface FinishContext {
  stderr: NodeJS.WritableStream;
  script: string | undefined;
  args: readonly string[];
}

/**
 * The last phase of `rxllm run`: closes the results file and the model, prints the summary, why the run stopped,
 * how to resume and how to resend failures, and picks the exit code.
 *
 * @param outcome - How the run ended.
 * @param options - The parsed flags.
 * @param prepared - The results file, the model and the resume scan.
 * @param session - The run's figures.
 * @param context - Where to print, and the command line.
 * @returns The exit code (see `ExitCode`).
 */
export function finishRun(outcome: RunOutcome, options: RunOptions, prepared: PreparedRun, session: RunSession, context: FinishContext): ExitCode {
  const { stats, badLineStop } = session;
  const { fatal, signal } = outcome;
  // streamEach gives a prompt the budget refused no item at all: those are still pending at the end.
  if (session.budget !== undefined && outcome.how === 'finished') stats.notSent += session.pending.size;
  // `--on-error return` completes the pipeline before the input is read to the end.
  const ending: RunEnding = outcome.how === 'finished' && !session.inputDone ? 'stopped' : outcome.how;
  session.display.stop();
  let closeError: unknown;
  try {
    prepared.checkpoint.close();
  } catch (error) {
    closeError = error;
  }
  void prepared.model.provider.close?.().catch(() => undefined);
  void prepared.shared?.close();

  const command = formatCommand(context.script, context.args);
  const lines: string[] = [];
  if (badLineStop !== undefined) lines.push(`rxllm: ${badLineStop} (stopped: --bad-lines fail)`);
  if (fatal !== undefined) lines.push(`rxllm: fatal: ${describeFatal(fatal)}`);
  if (closeError !== undefined) lines.push(`rxllm: fatal: cannot flush ${options.output}: ${(closeError as Error).message}`);
  const { limits, ...refusals } = session.tracker.snapshot();
  if (!options.quiet) context.stderr.write(formatSummary(stats, { ending, output: options.output, refusals, limits }));
  if (ending !== 'finished' || badLineStop !== undefined || stats.notSent > 0) {
    const stdinNote = options.input === '-' ? ' (with the same prompts on stdin)' : '';
    lines.push(`rxllm: to resume, run${stdinNote}: ${command}`);
  }
  const failed = stats.failed + prepared.scan.failed;
  if (failed > 0 && !options.retryFailed && !options.quiet) {
    lines.push(`rxllm: ${formatCount(failed)} failed; to send them again: ${command} --retry-failed`);
  }
  if (lines.length > 0) context.stderr.write(`${lines.join('\n')}\n`);

  if (signal !== undefined) return signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
  if (fatal !== undefined || closeError !== undefined || badLineStop !== undefined) return ExitCode.fatal;
  // The file's state, not only this invocation's: failures recorded by an earlier run and not resent still count.
  const failedInFile = stats.failed + (options.retryFailed ? 0 : prepared.scan.failed);
  if (failedInFile > 0 || stats.badLines > 0 || stats.notSent > 0) return ExitCode.someFailed;
  return ExitCode.ok;
}

function describeFatal(error: Error): string {
  if (isLlmError(error) && error.fatal) {
    return `${error.message} (${error.name}: nothing else in this batch can succeed; fix it and re-run to resume)`;
  }
  return error.message;
}
