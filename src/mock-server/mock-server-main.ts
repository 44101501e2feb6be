/**
 * Starts the mock server as a process of its own, for benchmarks and child-process tests:
 * `npx tsx src/mock-server/mock-server-main.ts --port 0 --latency 50`. The first stdout line is
 * `rxllm mock server listening on http://127.0.0.1:PORT`; SIGINT or SIGTERM stops it with exit code 0.
 */
import { runMockServerCommand } from './run-mock-server-command.js';

process.exitCode = await runMockServerCommand(process.argv.slice(2));
