import { isLlmError } from '../errors/llm-error.js';
import { MOCK_SERVER_USAGE, parseMockServerArgs } from './parse-mock-server-args.js';
import { type MockServer, startMockServer } from './start-mock-server.js';

/** Exit code of a bad flag: the `rxllm` CLI's "bad usage" (`EX_USAGE`), as for `rxllm run`. */
const EXIT_USAGE = 64;
/** Exit code when the server cannot start: the `rxllm` CLI's "fatal". */
const EXIT_FATAL = 2;

/**
 * Where `runMockServerCommand` writes and how it is stopped.
 *
 * @example
 * ```ts
 * import { runMockServerCommand, type MockServerCommandIo } from 'rxllm/testing';
 * const controller = new AbortController();
 * const io: MockServerCommandIo = {
 *   signal: controller.signal,
 *   handleSignals: false,
 *   onListening: (server) => { console.log(server.url); controller.abort(); },
 * };
 * console.log(await runMockServerCommand(['--latency', '20'], io)); // 0
 * ```
 */
export interface MockServerCommandIo {
  /** Receives the listening line and the help. @defaultValue `process.stdout` */
  stdout?: { write(text: string): unknown };
  /** Receives errors and the stop line. @defaultValue `process.stderr` */
  stderr?: { write(text: string): unknown };
  /** Stops the server when aborted, besides SIGINT/SIGTERM. */
  signal?: AbortSignal;
  /** Stop on SIGINT and SIGTERM (the listeners are removed afterwards). @defaultValue `true` */
  handleSignals?: boolean;
  /** Called with the running server once it listens. */
  onListening?: (server: MockServer) => void;
}

/**
 * Runs `rxllm mock-server [flags]`: parses the flags, starts the mock server and prints
 * `rxllm mock server listening on http://127.0.0.1:PORT` as the first stdout line (then the base URLs to
 * export), and keeps serving until SIGINT, SIGTERM or `io.signal` aborts. `--help` prints the usage.
 *
 * Resolves with the exit code, from the `rxllm` CLI's one table: `0` after a clean stop or `--help`; `64` (bad usage)
 * for a bad flag (the message names it, on stderr); `2` (fatal) when the server cannot listen (e.g. the port is in use).
 *
 * @param argv - The flags after `mock-server`, e.g. `['--port', '0', '--latency', '50..200']`.
 * @param io - Output streams and stop signal, for tests and embedding.
 * @returns The exit code.
 *
 * @example
 * ```ts
 * import { runMockServerCommand } from 'rxllm/testing';
 * process.exitCode = await runMockServerCommand(['--latency', '50..200', '--fail-rate', '0.05']);
 * ```
 */
export async function runMockServerCommand(argv: readonly string[], io: MockServerCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let server: MockServer;
  try {
    const options = parseMockServerArgs(argv);
    if (options === 'help') {
      stdout.write(MOCK_SERVER_USAGE);
      return 0;
    }
    server = await startMockServer(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isLlmError(error)) {
      stderr.write(`rxllm mock-server: ${message}\nRun "rxllm mock-server --help" for the options.\n`);
      return EXIT_USAGE;
    }
    stderr.write(`rxllm mock-server: cannot start: ${message}\n`);
    return EXIT_FATAL;
  }

  stdout.write(
    `rxllm mock server listening on ${server.url}\n` +
      `  OPENAI_BASE_URL=${server.openaiBaseURL}\n` +
      `  ANTHROPIC_BASE_URL=${server.anthropicBaseURL}\n` +
      `  stats: ${server.url}/stats\n` +
      'Press Ctrl-C to stop.\n',
  );
  io.onListening?.(server);

  await new Promise<void>((resolve) => {
    const handleSignals = io.handleSignals ?? true;
    const stop = () => {
      if (handleSignals) {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (handleSignals) {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    if (io.signal?.aborted === true) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });

  const { requests, delivered } = server.stats();
  await server.close();
  stderr.write(`rxllm mock server stopped after ${requests} requests (${delivered} answers delivered).\n`);
  return 0;
}
