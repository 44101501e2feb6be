/**
 * Exit codes of the `rxllm` CLI.
 *
 * - `0` every prompt has an ok result.
 * - `1` the run finished, but the results file holds failed prompts (from this run, or from an earlier one that a
 *   resume did not resend), or input lines were skipped as malformed.
 * - `2` a fatal error stopped the run: a 401/402/403 from the provider, `--on-error stop`, an unreadable input
 *   or output file, a malformed line with `--bad-lines fail`, a corrupt results file.
 * - `64` bad usage: an unknown flag or a bad flag value (`EX_USAGE` from sysexits.h). Nothing was sent.
 * - `130` interrupted by Ctrl-C (SIGINT); `143` stopped by SIGTERM. Re-run the same command to resume.
 */
export const ExitCode = {
  ok: 0,
  someFailed: 1,
  fatal: 2,
  usage: 64,
  interrupted: 130,
  terminated: 143,
} as const;

/** One of the `ExitCode` values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
