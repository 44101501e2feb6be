import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type MockServer, type MockServerOptions, startMockServer } from '../../../src/mock-server/index.js';
import { bundleSourcesIfStale, ROOT } from '../../support/bundle-sources.js';

/**
 * The CLI for child processes: `dist/cli.js` when it is newer than every source file (CI builds before testing),
 * else the current `src/cli/main.ts` bundled into one file under `node_modules/.cache` (so that it resolves the
 * package's dependencies), removed by `remove()`.
 */
export async function buildCli(): Promise<{ path: string; remove: () => Promise<void> }> {
  const bundle = await bundleSourcesIfStale('cli', { cli: 'src/cli/main.ts' }, ['dist/cli.js']);
  if (bundle === undefined) return { path: join(ROOT, 'dist/cli.js'), remove: async () => undefined };
  return { path: join(bundle.outDir, 'cli.js'), remove: bundle.remove };
}

/** A child `rxllm` process with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** How a child CLI runs: extra environment variables (`undefined` ones are left out), working directory, stdin text. */
export interface CliRunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
}

/** Starts the bundled CLI with `args`, stdin from `input` (or closed), in `cwd`, with `env` added to a clean one. */
export function startCli(cli: string, args: readonly string[], options: CliRunOptions = {}): CliProcess {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (err += text));
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('close', (code, signal) => resolveExit({ code, signal }));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the CLI to completion. */
export async function runCliToEnd(
  cli: string,
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(cli, args, options);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/**
 * Waits until `condition` holds, checking it every 10 ms (a wait on output, not a fixed sleep); fails with `what`
 * after `timeoutMs`.
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveTick) => setTimeout(resolveTick, 10));
  }
}

/** The complete (newline-terminated) lines of a file, or none when it does not exist. */
export function completeLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  lines.pop();
  return lines.filter((line) => line !== '');
}

/** The parsed result records of a results file. */
export function resultRecords(path: string): Array<Record<string, unknown> & { id: string | number; ok: boolean }> {
  return completeLines(path).map((line) => JSON.parse(line) as Record<string, unknown> & { id: string | number; ok: boolean });
}

/** A fresh temporary directory, removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'rxllm-cli-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** `count` prompt lines: JSON strings `"Question <i>: …"` (ids default to line-<n>). */
export function promptLines(count: number, prefix = 'Question'): string {
  return Array.from({ length: count }, (_, i) => `${JSON.stringify(`${prefix} ${i + 1}: what is ${i} + ${i}?`)}\n`).join('');
}

/** What a test file gets from `useCliHarness()`; read its fields inside tests (the hooks set them). */
export interface CliHarness {
  /** The CLI script to run (built once for the file). */
  readonly cli: string;
  /** This test's own temporary directory (made before each test, removed after it). */
  readonly dir: string;
  /** The mock server this test started last with `startMock`; throws when it started none. */
  readonly server: MockServer;
  /** Starts a mock server for this test, closed after it. */
  startMock(options?: MockServerOptions): Promise<MockServer>;
  /** `names` joined inside `dir`. */
  path(...names: string[]): string;
  /** Writes `text` to `name` inside `dir`; returns its path. */
  writeFile(name: string, text: string): Promise<string>;
  /** `rxllm run <input> -o <output>` against `server` with `openai/gpt-4o-mini`, `--rpm 100000` and `extra`. */
  runArgs(input: string, output: string, extra?: readonly string[]): string[];
  /** Starts the CLI with `args` (see `startCli`). */
  start(args: readonly string[], options?: CliRunOptions): CliProcess;
  /** Runs the CLI with `args` to its end (see `runCliToEnd`). */
  run(args: readonly string[], options?: CliRunOptions): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * Registers the lifecycle every CLI test file repeats: build the CLI once (`build: false` for files that run it in
 * process), a fresh temporary directory per test, and every mock server the test started closed after it.
 */
export function useCliHarness({ build = true }: { build?: boolean } = {}): CliHarness {
  let built: { path: string; remove: () => Promise<void> } | undefined;
  let temp: { dir: string; remove: () => Promise<void> } | undefined;
  const servers: MockServer[] = [];
  if (build) {
    beforeAll(async () => {
      built = await buildCli();
    }, 60_000); // the bundle, when dist/ is stale, on a loaded machine
    afterAll(() => built?.remove());
  }
  beforeEach(async () => {
    temp = await tempDir();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    await temp?.remove();
    temp = undefined;
  });
  const harness: CliHarness = {
    get cli() {
      if (built === undefined) throw new Error('useCliHarness({ build: false }) builds no CLI');
      return built.path;
    },
    get dir() {
      if (temp === undefined) throw new Error('the harness directory exists only inside a test');
      return temp.dir;
    },
    get server() {
      const server = servers.at(-1);
      if (server === undefined) throw new Error('this test started no mock server (call startMock)');
      return server;
    },
    async startMock(options) {
      const server = await startMockServer(options);
      servers.push(server);
      return server;
    },
    path: (...names) => join(harness.dir, ...names),
    async writeFile(name, text) {
      const path = harness.path(name);
      await writeFile(path, text);
      return path;
    },
    runArgs: (input, output, extra = []) =>
      ['run', input, '-o', output, '--model', 'openai/gpt-4o-mini', '--base-url', harness.server.openaiBaseURL, '--rpm', '100000', ...extra],
    start: (args, options) => startCli(harness.cli, args, options),
    run: (args, options) => runCliToEnd(harness.cli, args, options),
  };
  return harness;
}
