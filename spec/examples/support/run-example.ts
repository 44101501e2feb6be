import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleSourcesIfStale, ROOT } from '../../support/bundle-sources.js';

export { ROOT };

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
 * `src/`), `src/index.ts` and `src/mock-server/index.ts` are bundled with tsup (about half a second) under
 * `node_modules/.cache`, and a module resolve hook, loaded with `--import`, sends `rxllm` and `rxllm/testing` there.
 */
export async function prepareRuntime(): Promise<ExampleRuntime> {
  const bundle = await bundleSourcesIfStale('examples', { index: 'src/index.ts', testing: 'src/mock-server/index.ts' }, [
    'dist/index.js',
    'dist/testing.js',
  ]);
  if (bundle === undefined) return { nodeArgs: [], description: 'dist/ (package self-reference)', remove: async () => undefined };
  const { outDir } = bundle;
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
    remove: bundle.remove,
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
 * only, so no API key, `BASE_URL` or `*_BASE_URL` reaches the script. A `.ts` script runs through tsx (`--import tsx`,
 * what `npx tsx script` does), registered before the runtime's hook so that the hook decides where `rxllm` goes.
 * Killed after `timeoutMs`.
 */
export function runScript(
  runtime: ExampleRuntime,
  script: string,
  extraEnv: Record<string, string> = {},
  timeoutMs = 45_000,
): Promise<ScriptRun> {
  const started = Date.now();
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extraEnv };
  const runner = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...runner, ...runtime.nodeArgs, script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
