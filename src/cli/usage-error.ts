/**
 * A command line the CLI cannot run: an unknown flag, a missing argument or a bad flag value.
 * The message names the flag; the CLI prints it with a hint to `--help` and exits with 64.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose `--help` the hint points to, e.g. `run`. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/**
 * A condition that stops the CLI before or during a run without being a usage mistake: an unreadable file,
 * a corrupt results file, another process writing the same output. Exits with 2.
 */
export class FatalCliError extends Error {
  override name = 'FatalCliError';
}
