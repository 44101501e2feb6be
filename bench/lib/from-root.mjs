// Resolves packages from the repository root (not bench/node_modules), so the baseline uses the very undici and
// eventsource-parser that rxllm ships with, and rxllm is loaded from its built `dist/`.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Absolute path of the repository root. */
export const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));

const requireFromRoot = createRequire(new URL('../../package.json', import.meta.url));

/** Imports `specifier` as the root package would (ESM entry when there is one). */
export async function importFromRoot(specifier) {
  const packageJson = requireFromRoot(`${specifier}/package.json`);
  const base = pathToFileURL(requireFromRoot.resolve(`${specifier}/package.json`));
  const entry = esmEntry(packageJson);
  return import(entry === undefined ? pathToFileURL(requireFromRoot.resolve(specifier)).href : new URL(entry, base).href);
}

/** Version of a package installed at the root. */
export function rootPackageVersion(specifier) {
  return requireFromRoot(`${specifier}/package.json`).version;
}

/** The file Node's ESM loader picks for the package root: `exports` with the conditions node, import, default. */
function esmEntry(packageJson) {
  const { exports } = packageJson;
  if (exports === undefined) return undefined;
  const dot = typeof exports === 'string' || Array.isArray(exports) || !Object.keys(exports).some((key) => key.startsWith('.')) ? exports : exports['.'];
  return pickCondition(dot);
}

function pickCondition(target) {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) return target.map(pickCondition).find((entry) => entry !== undefined);
  if (target === null || typeof target !== 'object') return undefined;
  for (const [condition, value] of Object.entries(target)) {
    if (condition === 'node' || condition === 'import' || condition === 'default') {
      const entry = pickCondition(value);
      if (entry !== undefined) return entry;
    }
  }
  return undefined;
}
