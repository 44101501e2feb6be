#!/usr/bin/env node
// The `rxllm` executable (built to dist/cli.js). Everything lives in runCli; this file only binds it to the process.
import { runCli } from './run-cli.js';

void runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  script: process.argv[1],
}).then((code) => {
  // Exit explicitly: pooled keep-alive sockets or a half-read stdin must not keep a finished run alive.
  // stdout and stderr are synchronous for files, pipes and terminals on Linux and macOS, so nothing is lost.
  process.exit(code);
});
