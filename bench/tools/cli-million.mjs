// `rxllm run` on a million prompts beside the library doing the same job (issue 25): peak RSS and requests/s of each,
// and the CLI/library throughput ratio. Measures the build (`npm run build` first).
//
//   node bench/tools/cli-million.mjs [--n 1000000] [--runs 1] [--ids both|yes|no] [--max-active 256]
//                                    [--node-flags "--cpu-prof --cpu-prof-dir=/tmp/prof"] [--keep] [--json]
//
// Per run and input kind (with custom ids `{"id":"doc-0000000","prompt":…}`, and without: `{"prompt":…}`), it
// starts a fresh mock server in its own process (latency 0–1 ms, plenty of budget) and, alternating, runs
//   cli:     node dist/cli.js run <input> -o <results> --model openai/bench-model --rpm 1e8 --max-active 256 -q
//   library: a child process running `pullPrompts(lazy prompts, { readAhead: 0 })` → `chatEach(model, { maxActive,
//            rpm: 1e8 })`, each result counted (bench scenario 4, "scale"), the same prompt texts,
// each under `/usr/bin/time -v` (its "Maximum resident set size": the whole process, Node included). Requests/s is
// prompts over the child's wall time from spawn to exit (startup included for both); CPU per request is the child's
// user + system time over the prompts (on a loaded machine the steadier figure). Every run is checked: the
// results file has one ok line per prompt (cli), every index answered once (library), the server saw N requests.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importFromRoot } from '../lib/from-root.mjs';
import { PLENTY_OF_BUDGET } from '../lib/scenarios.mjs';
import { startServer } from '../lib/server-control.mjs';
import { API_KEY, MODEL, promptText } from '../lib/prompts.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === '--library-child') await libraryChild(JSON.parse(process.argv[3]));
else await main(parseArgs(process.argv.slice(2)));

function parseArgs(argv) {
  const options = { n: 1_000_000, runs: 1, ids: 'both', maxActive: 256, nodeFlags: [], keep: false, json: false };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--n') options.n = positiveInteger(flag, Number(value()));
    else if (flag === '--runs') options.runs = positiveInteger(flag, Number(value()));
    else if (flag === '--max-active') options.maxActive = positiveInteger(flag, Number(value()));
    else if (flag === '--ids') {
      options.ids = value();
      if (!['both', 'yes', 'no'].includes(options.ids)) throw new Error('--ids: expected both, yes or no');
    } else if (flag === '--node-flags') options.nodeFlags = value().split(/\s+/).filter(Boolean);
    else if (flag === '--keep') options.keep = true;
    else if (flag === '--json') options.json = true;
    else throw new Error(`unknown flag ${flag}`);
  }
  return options;
}

function positiveInteger(flag, value) {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${flag}: expected a positive integer`);
  return value;
}

async function main(options) {
  if (!existsSync(join(DIST, 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const dir = await mkdtemp(join(tmpdir(), 'rxllm-cli-million-'));
  const kinds = options.ids === 'both' ? ['ids', 'no-ids'] : [options.ids === 'yes' ? 'ids' : 'no-ids'];
  const rows = [];
  try {
    const inputs = {};
    for (const kind of kinds) inputs[kind] = await writeInput(join(dir, `prompts-${kind}.jsonl`), options.n, kind === 'ids');
    log(`${options.n.toLocaleString('en-US')} prompts, maxActive ${options.maxActive}, load ${loadText()}`);
    for (let run = 1; run <= options.runs; run += 1) {
      for (const kind of kinds) {
        // Alternate which goes first, so a noisy stretch of the machine does not always land on the same one.
        const order = run % 2 === 1 ? ['cli', 'library'] : ['library', 'cli'];
        for (const client of order) {
          const row = await measure(client, kind, run, inputs[kind], dir, options);
          rows.push(row);
          log(formatRow(row));
        }
      }
    }
    printSummary(rows, kinds, options);
  } finally {
    if (!options.keep) await rm(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

/** Writes the prompts file: `{"id":"doc-0000000","prompt":…}` or `{"prompt":…}` lines, the bench's prompt texts. */
async function writeInput(path, n, withIds) {
  const out = createWriteStream(path);
  const width = Math.max(7, String(n - 1).length);
  let chunk = '';
  for (let index = 0; index < n; index += 1) {
    const prompt = JSON.stringify(promptText(index));
    chunk += withIds ? `{"id":"doc-${String(index).padStart(width, '0')}","prompt":${prompt}}\n` : `{"prompt":${prompt}}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return path;
}

async function measure(client, kind, run, input, dir, options) {
  const server = await startServer({
    distDir: DIST,
    maxLifetimeMs: 3 * 3600_000, // a million prompts on a loaded machine outlast the server's default 30 minutes
    options: { latencyMs: [0, 1], answerTokens: 8, ...PLENTY_OF_BUDGET },
  });
  const output = join(dir, `results-${kind}-${run}.jsonl`);
  const timeFile = join(dir, `time-${client}-${kind}-${run}.txt`);
  try {
    const baseURL = server.url;
    const args =
      client === 'cli'
        ? [...options.nodeFlags, join(DIST, 'cli.js'), 'run', input, '-o', output, '--model', `openai/${MODEL}`, '--base-url', baseURL,
           '--rpm', '1e8', '--max-active', String(options.maxActive), '-q']
        : [...options.nodeFlags, SELF, '--library-child', JSON.stringify({ n: options.n, maxActive: options.maxActive, baseURL })];
    const load = loadavg()[0];
    const started = performance.now();
    const { code, stderr } = await runChild(['/usr/bin/time', '-v', '-o', timeFile, process.execPath, ...args], {
      ...process.env,
      OPENAI_API_KEY: API_KEY,
    });
    const wallMs = performance.now() - started;
    const timeReport = await readFile(timeFile, 'utf8');
    const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(timeReport)?.[1]);
    const cpuS = Number(/User time \(seconds\): ([\d.]+)/.exec(timeReport)?.[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(timeReport)?.[1]);
    const stats = await server.stats();
    const answered = client === 'cli' ? await countOkLines(output) : Number(/answered (\d+)/.exec(stderr)?.[1]);
    const problems = [];
    if (code !== 0) problems.push(`exit code ${code}: ${stderr.trim().slice(-500)}`);
    if (answered !== options.n) problems.push(`${answered} answered of ${options.n}`);
    if (stats.requests !== options.n) problems.push(`server saw ${stats.requests} requests`);
    if (client === 'cli') await rm(output, { force: true });
    const cpuUsPerRequest = (cpuS * 1e6) / options.n;
    return { client, kind, run, n: options.n, wallMs, rps: options.n / (wallMs / 1000), cpuUsPerRequest, peakRssMb: rssKb / 1024, load, problems };
  } finally {
    await server.stop();
  }
}

function runChild(argv, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (part) => {
      stderr = (stderr + part).slice(-20_000);
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

/** Counts `"ok":true` lines of a results file, streaming (the file has a million lines). */
async function countOkLines(path) {
  if (!existsSync(path) || (await stat(path)).size === 0) return 0;
  let count = 0;
  let tail = '';
  const { createReadStream } = await import('node:fs');
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    const lines = (tail + chunk).split('\n');
    tail = lines.pop();
    for (const line of lines) if (line.includes('"ok":true')) count += 1;
  }
  if (tail.includes('"ok":true')) count += 1;
  return count;
}

/** The library side: bench scenario 4's shape (lazy prompts through `pullPrompts`, `chatEach`, results counted). */
async function libraryChild({ n, maxActive, baseURL }) {
  const rxllm = await import(pathToFileURL(join(DIST, 'index.js')).href);
  const { lastValueFrom, ignoreElements, tap, defaultIfEmpty } = await importFromRoot('rxjs');
  async function* prompts() {
    for (let index = 0; index < n; index += 1) yield promptText(index);
  }
  const model = rxllm.openai({ model: MODEL, apiKey: process.env.OPENAI_API_KEY, baseURL });
  const seen = new Uint8Array(n);
  let answered = 0;
  await lastValueFrom(
    rxllm.pullPrompts(prompts(), { readAhead: 0 }).pipe(
      rxllm.chatEach(model, { maxActive, rpm: 1e8 }),
      tap((result) => {
        if (result.ok && seen[result.index] === 0) {
          seen[result.index] = 1;
          answered += 1;
        }
      }),
      ignoreElements(),
      defaultIfEmpty(undefined),
    ),
  );
  await model.provider.close?.();
  process.stderr.write(`answered ${answered}\n`);
}

function formatRow(row) {
  const problems = row.problems.length === 0 ? '' : `  PROBLEM: ${row.problems.join('; ')}`;
  return `run ${row.run} ${row.kind.padEnd(6)} ${row.client.padEnd(7)} ${(row.wallMs / 1000).toFixed(1).padStart(6)} s  ${Math.round(row.rps).toLocaleString('en-US').padStart(6)} req/s  CPU ${Math.round(row.cpuUsPerRequest)} µs/req  peak RSS ${row.peakRssMb.toFixed(1)} MB  (load ${row.load.toFixed(1)})${problems}`;
}

function printSummary(rows, kinds, options) {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  for (const kind of kinds) {
    const of = (client) => rows.filter((row) => row.kind === kind && row.client === client);
    const cli = of('cli');
    const library = of('library');
    const range = (values, digits) => `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
    const ratios = cli.map((row, i) => row.rps / (library[i]?.rps ?? Number.NaN));
    const cpuRatios = cli.map((row, i) => (library[i]?.cpuUsPerRequest ?? Number.NaN) / row.cpuUsPerRequest);
    log(
      `${kind}: cli peak RSS ${range(cli.map((r) => r.peakRssMb), 1)} MB, ${range(cli.map((r) => r.rps), 0)} req/s; ` +
        `library ${range(library.map((r) => r.peakRssMb), 1)} MB, ${range(library.map((r) => r.rps), 0)} req/s; ` +
        `throughput cli/library ${range(ratios, 2)} (paired by run); by CPU per request (library/cli) ${range(cpuRatios, 2)}`,
    );
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function loadText() {
  return loadavg().map((value) => value.toFixed(1)).join(' ');
}

function log(line) {
  process.stderr.write(`${line}\n`);
}
