import { existsSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'tsup';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** A fresh ESM bundle of some of `src/`, or `undefined` when `dist/` is already current. */
export interface SourceBundle {
  outDir: string;
  remove(): Promise<void>;
}

/**
 * For tests that run the package in child processes: when every file of `builtFiles` (paths under the root, e.g.
 * `dist/cli.js`) is newer than every file of `src/` (CI builds before testing), returns `undefined` — use `dist/`.
 * Otherwise bundles `entries` (name → source path under the root) with tsup into a private folder under
 * `node_modules/.cache` (so that the bundle resolves the package's dependencies), to be removed with `remove()`.
 */
export async function bundleSourcesIfStale(
  label: string,
  entries: Record<string, string>,
  builtFiles: readonly string[],
): Promise<SourceBundle | undefined> {
  const newestSource = newestMtime(join(ROOT, 'src'));
  if (builtFiles.every((file) => existsSync(join(ROOT, file)) && statSync(join(ROOT, file)).mtimeMs >= newestSource)) return undefined;
  const outDir = join(ROOT, 'node_modules/.cache/rxllm-spec', `${label}-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await build({
    entry: Object.fromEntries(Object.entries(entries).map(([name, path]) => [name, join(ROOT, path)])),
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
  return { outDir, remove: () => rm(outDir, { recursive: true, force: true }) };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
