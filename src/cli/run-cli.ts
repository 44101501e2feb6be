import { CheckpointError, isLlmError } from '../index.js';
import { MOCK_SERVER_USAGE, parseMockServerArgs, runMockServerCommand } from '../mock-server/index.js';
import { ExitCode } from './exit-codes.js';
import { batchCommand } from './batch-command.js';
import { BATCH_HELP, EXIT_CODES_HELP, MAIN_HELP, RUN_HELP } from './help-text.js';
import { parseBatchArgs } from './parse-batch-args.js';
import { parseRunArgs, unknownFlagError } from './parse-run-args.js';
import { type RunContext, runCommand } from './run-command.js';
import { suggestFlag } from './suggest-flag.js';
import { FatalCliError, UsageError } from './usage-error.js';
import { CLI_VERSION } from './version.js';

/** What the CLI needs from the process: `RunContext` plus stdout. */
export interface CliContext extends Omit<RunContext, 'args'> {
  stdout: NodeJS.WritableStream;
}

const COMMANDS = ['run', 'batch', 'mock-server'];

/** `rxllm mock-server --help`: the server's own usage, then the exit codes every command shares. */
const MOCK_SERVER_HELP = `${MOCK_SERVER_USAGE}\n${EXIT_CODES_HELP}`;

/** The flags `rxllm mock-server --help` lists (without dashes), for "did you mean". */
const MOCK_SERVER_FLAGS = [...MOCK_SERVER_USAGE.matchAll(/^ +(?:-\w, )?--([a-z][a-z-]*)/gm)].map((match) => match[1]!);

/**
 * The `rxllm` command line: dispatches to `run` or `mock-server`, prints help and version, and turns errors into
 * messages and exit codes (64 for usage errors with a hint to `--help`, 2 for fatal ones). Never throws.
 *
 * @param args - The arguments after the script, e.g. `['run', 'prompts.jsonl', '-o', 'out.jsonl', …]`.
 * @param context - The process's streams and signals.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), { ...process, script: process.argv[1] });
 * ```
 */
export async function runCli(args: readonly string[], context: CliContext): Promise<number> {
  const { stdout, stderr } = context;
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      if (topic === 'mock-server') {
        stdout.write(MOCK_SERVER_HELP);
        return ExitCode.ok;
      }
      stdout.write(topic === 'run' ? RUN_HELP : topic === 'batch' ? BATCH_HELP : MAIN_HELP);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
    }
    if (command === '--version' || command === '-v' || command === 'version') {
      stdout.write(`${CLI_VERSION}\n`);
      return ExitCode.ok;
    }
    if (command === 'run') {
      const options = parseRunArgs(rest);
      if (options === 'help') {
        stdout.write(RUN_HELP);
        return ExitCode.ok;
      }
      return await runCommand(options, { ...context, args });
    }
    if (command === 'batch') {
      const options = parseBatchArgs(rest);
      if (options === 'help') {
        stdout.write(BATCH_HELP);
        return ExitCode.ok;
      }
      return await batchCommand(options, context);
    }
    if (command === 'mock-server') {
      if (checkMockServerArgs(rest) === 'help') {
        stdout.write(MOCK_SERVER_HELP);
        return ExitCode.ok;
      }
      return await runMockServerCommand(rest, { stdout, stderr });
    }
    if (command.startsWith('-')) throw new UsageError(`unknown flag ${command} (flags go after the command, e.g. rxllm run --help)`);
    const suggestion = suggestFlag(command, COMMANDS);
    throw new UsageError(`unknown command ${command}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}; commands: ${COMMANDS.join(', ')}`);
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command === undefined ? 'rxllm --help' : `rxllm ${error.command} --help`;
      stderr.write(`rxllm: ${error.message}\nSee '${help}'.\n`);
      return ExitCode.usage;
    }
    if (error instanceof FatalCliError || error instanceof CheckpointError) {
      stderr.write(`rxllm: ${error.message}\n`);
      return ExitCode.fatal;
    }
    if (isLlmError(error) && error.code === 'invalid_options') {
      stderr.write(`rxllm: ${error.message}\nSee 'rxllm ${command === 'mock-server' || command === 'batch' ? command : 'run'} --help'.\n`);
      return ExitCode.usage;
    }
    stderr.write(`rxllm: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.fatal;
  }
}

/**
 * Checks `rxllm mock-server`'s flags before the server starts, so that a bad one is a usage error like `rxllm run`'s:
 * exit 64, the flag named, the closest known flag suggested, a hint to `--help`.
 */
function checkMockServerArgs(args: readonly string[]): 'help' | 'ok' {
  try {
    return parseMockServerArgs(args) === 'help' ? 'help' : 'ok';
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec(error instanceof Error ? error.message : '')?.[1];
    if (unknown !== undefined) throw unknownFlagError(unknown, MOCK_SERVER_FLAGS, 'mock-server');
    throw new UsageError((error instanceof Error ? error.message : String(error)).replace(/\.$/, ''), 'mock-server');
  }
}
