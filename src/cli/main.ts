#!/usr/bin/env node
// The `rxllm` executable (built to dist/cli.js). Everything lives in runCli; this file only binds it to the process.
import { setFlagsFromString } from 'node:v8';
import { heapTuningFlags } from './heap-tuning-flags.js';
import { runCli } from './run-cli.js';

// For this process only (the library sets no V8 flag): a heap that grows moderately above its live data (issue 25).
for (const flag of heapTuningFlags(process.execArgv)) setFlagsFromString(flag);

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
