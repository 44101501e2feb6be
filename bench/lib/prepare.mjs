// Makes sure what the benchmark measures is there: rxllm's build (`dist/`) and, unless skipped, the peers in
// bench/node_modules. Also gathers the machine and version facts printed with the results.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR, rootPackageVersion } from './from-root.mjs';
import { PEER_PACKAGES } from './scenarios.mjs';

const BENCH_DIR = join(ROOT_DIR, 'bench');
const log = (line) => process.stderr.write(`${line}\n`);

/** Ensures `distDir/index.js` and `distDir/testing.js` exist, running `npm run build` when the default dist is missing. */
export function ensureDist(distDir, { isDefault }) {
  const ready = () => existsSync(join(distDir, 'index.js')) && existsSync(join(distDir, 'testing.js'));
  if (!ready() && isDefault) {
    log('bench: dist/ is missing, running `npm run build` first');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT_DIR, stdio: ['ignore', 2, 2], timeout: 300_000 });
    if (build.status !== 0) throw new Error('`npm run build` failed; rxllm is benchmarked from its build, fix the build first');
  }
  if (!ready()) throw new Error(`${distDir} has no index.js / testing.js: run \`npm run build\` first`);
  if (isDefault) {
    const built = statSync(join(distDir, 'index.js')).mtimeMs;
    const newest = newestMtime(join(ROOT_DIR, 'src'));
    if (newest > built) log('bench: ⚠️  dist/ is older than src/: the figures are for the last build (run `npm run build`)');
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** Versions the peers need (bench/package.json) and whether bench/node_modules has exactly those. */
function peersInstalled() {
  const wanted = JSON.parse(readFileSync(join(BENCH_DIR, 'package.json'), 'utf8')).devDependencies ?? {};
  return PEER_PACKAGES.every((name) => installedVersion(name) === wanted[name]);
}

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * Installs the peers with `npm ci` in bench/ when they are missing or stale.
 * @returns `{ ok: true }` or `{ ok: false, reason }` (then peers are skipped, with that reason printed).
 */
export function ensurePeers() {
  if (peersInstalled()) return { ok: true };
  log('bench: installing the peers into bench/node_modules (`npm ci` in bench/)…');
  const started = Date.now();
  // Run from bench/ itself, never with `--prefix` from the root: `npm ci` empties the node_modules of the project it
  // finds from its working directory (npm's localPrefix), whatever `--prefix` says.
  const install = spawnSync('npm', ['ci', '--include=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: BENCH_DIR,
    stdio: ['ignore', 2, 2],
    timeout: 240_000,
  });
  if (install.status !== 0 || !peersInstalled()) {
    return { ok: false, reason: `\`npm ci\` in bench/ failed (${install.error?.message ?? `exit ${install.status}`})` };
  }
  log(`bench: peers installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { ok: true };
}

/** Machine and versions, for the report header. */
export function environment(distDir) {
  const cpus = os.cpus();
  const rootPackage = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8'));
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT_DIR, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT_DIR, encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    loadStart: os.loadavg(),
    rxllm: `${rootPackage.version}${git.status === 0 ? ` @ ${git.stdout.trim()}${dirty.stdout?.trim() ? ' + uncommitted src changes' : ''}` : ''}`,
    distDir,
    packages: {
      undici: rootPackageVersion('undici'),
      'eventsource-parser': rootPackageVersion('eventsource-parser'),
      rxjs: rootPackageVersion('rxjs'),
      ...Object.fromEntries(PEER_PACKAGES.map((name) => [name, installedVersion(name) ?? 'not installed'])),
    },
  };
}
