import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'tsup';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../../..');

/** How child processes find `rxllm` and `rxllm/testing`. */
export interface ExampleRuntime {
  /** Extra `node` arguments (`--import` of a resolve hook when running from a fresh bundle). */
  readonly nodeArgs: readonly string[];
  /** What the scripts import: `dist/` through the package's own `exports`, or a bundle of the current `src/`. */
  readonly description: string;
  /** Removes the bundle, if any. */
  remove(): Promise<void>;
}

/**
 * Where `import … from 'rxllm'` goes in the child processes. When `dist/index.js` and `dist/testing.js` are newer than
 * every file of `src/` (CI builds before testing), nothing is set up: the scripts resolve the package by its own name
 * (`exports` in package.json), exactly as a user's would after `npm install`. Otherwise (a local run after editing
 * `src/`), `src/index.ts` and `src/testing/index.ts` are bundled with tsup (about half a second) under
 * `node_modules/.cache`, and a module resolve hook, loaded with `--import`, sends `rxllm` and `rxllm/testing` there.
 */
export async function prepareRuntime(): Promise<ExampleRuntime> {
  const built = ['dist/index.js', 'dist/testing.js'].map((file) => join(ROOT, file));
  const newestSource = newestMtime(join(ROOT, 'src'));
  if (built.every((file) => existsSync(file) && statSync(file).mtimeMs >= newestSource)) {
    return { nodeArgs: [], description: 'dist/ (package self-reference)', remove: async () => undefined };
  }
  const outDir = join(ROOT, 'node_modules/.cache/rxllm-spec', `examples-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await mkdir(outDir, { recursive: true });
  await build({
    entry: { index: join(ROOT, 'src/index.ts'), testing: join(ROOT, 'src/testing/index.ts') },
    outDir,
    format: ['esm'],
    config: false,
    silent: true,
    dts: false,
    sourcemap: false,
    clean: false,
    target: 'node20',
    splitting: false,
  });
  const targets = {
    rxllm: pathToFileURL(join(outDir, 'index.js')).href,
    'rxllm/testing': pathToFileURL(join(outDir, 'testing.js')).href,
  };
  await writeFile(
    join(outDir, 'hooks.mjs'),
    `const targets = ${JSON.stringify(targets)};\n` +
      'export async function resolve(specifier, context, next) {\n' +
      '  return Object.hasOwn(targets, specifier) ? { url: targets[specifier], shortCircuit: true } : next(specifier, context);\n' +
      '}\n',
  );
  await writeFile(join(outDir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  return {
    nodeArgs: ['--import', pathToFileURL(join(outDir, 'register.mjs')).href],
    description: 'a fresh bundle of src/ (dist/ is missing or older than src/)',
    remove: () => rm(outDir, { recursive: true, force: true }),
  };
}

/** The outcome of one script run. */
export interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs `node [runtime args] script` from the repository root with a minimal environment: `PATH`, `HOME` and `extraEnv`
 * only, so no API key, `BASE_URL` or `*_BASE_URL` reaches the script. Killed after `timeoutMs`.
 */
export function runScript(
  runtime: ExampleRuntime,
  script: string,
  extraEnv: Record<string, string> = {},
  timeoutMs = 45_000,
): Promise<ScriptRun> {
  const started = Date.now();
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extraEnv };
  const child = spawn(process.execPath, [...runtime.nodeArgs, script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => {
    stderr += `\n[killed after ${timeoutMs} ms]`;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolveRun, rejectRun) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      rejectRun(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Runs at most `limit` tasks at once, in the order they were queued. */
export function createPool(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active < limit) active += 1;
    else await new Promise<void>((resolveTurn) => waiting.push(resolveTurn)); // a finishing task hands its slot over
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next === undefined) active -= 1;
      else next();
    }
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
