import { runMockServerCommand } from '../mock-server/run-mock-server-command.js';
import type { CliContext } from './run-cli.js';

/**
 * `rxllm mock-server [flags]`: delegates to the library's `runMockServerCommand` (`rxllm/testing`), which parses
 * its own flags (`--help` lists them), prints the base URLs and serves until Ctrl-C or SIGTERM.
 *
 * @param args - The flags after `mock-server`.
 * @param context - The CLI's output streams.
 * @returns Its exit code: 0 after a clean stop or `--help`, 2 for a bad flag, 1 when it cannot listen.
 */
export function runMockServerSubcommand(args: readonly string[], context: Pick<CliContext, 'stdout' | 'stderr'>): Promise<number> {
  return runMockServerCommand(args, { stdout: context.stdout, stderr: context.stderr });
}
