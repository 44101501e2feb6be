// The README demo: `npm ci && npm run demo` (which runs `tsx examples/demo.ts`).
//
// Offline (no OPENAI_API_KEY, or RXLLM_DEMO_OFFLINE=1): starts rxllm's built-in OpenAI-compatible mock server
// (latency 80-400 ms, a few injected 5xx/429 faults that get retried), writes 300 prompts to
// .rxllm-demo/prompts.jsonl and runs the real CLI on them: `node dist/cli.js run … --rpm 2400`, with the live
// progress bar and the end-of-run summary. About ten seconds, no network.
//
// Online (OPENAI_API_KEY set): the same command against the real OpenAI API with openai/gpt-4o-mini, 20 prompts
// (RXLLM_DEMO_PROMPTS to change), maxTokens 60: a fraction of a cent. Never run in CI.
//
// The first run builds dist/ (`npm run build`) when it is missing or older than src/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist/cli.js');
const workDir = join(root, '.rxllm-demo');
const promptsPath = join(workDir, 'prompts.jsonl');
const resultsPath = join(workDir, 'results.jsonl');
const online = Boolean(process.env.OPENAI_API_KEY) && process.env.RXLLM_DEMO_OFFLINE !== '1';

buildIfNeeded();
// Imported after the build, by path: dist/ may not exist before it.
const { interpolate }: typeof import('rxllm') = await import(join(root, 'dist/index.js'));
const { startMockServer }: typeof import('rxllm/testing') = await import(join(root, 'dist/testing.js'));

const countries = [
  'Argentina', 'Australia', 'Austria', 'Bangladesh', 'Belgium', 'Bolivia', 'Brazil', 'Canada', 'Chile', 'China',
  'Colombia', 'Cuba', 'Denmark', 'Egypt', 'Ethiopia', 'Finland', 'France', 'Germany', 'Ghana', 'Greece', 'Hungary',
  'Iceland', 'India', 'Indonesia', 'Iran', 'Ireland', 'Italy', 'Japan', 'Kenya', 'Mexico', 'Mongolia', 'Morocco',
  'Nepal', 'Netherlands', 'New Zealand', 'Nigeria', 'Norway', 'Pakistan', 'Peru', 'Philippines', 'Poland', 'Portugal',
  'Romania', 'Senegal', 'South Africa', 'South Korea', 'Spain', 'Sweden', 'Switzerland', 'Tanzania', 'Thailand',
  'Tunisia', 'Turkey', 'Uganda', 'Ukraine', 'United Kingdom', 'Uruguay', 'Vietnam', 'Zambia', 'Zimbabwe',
];
const questions = {
  capital: 'What is the capital of {{ country }}? Answer in one word.',
  language: 'Which language is most widely spoken in {{ country }}? Answer in one word.',
  currency: 'What is the currency of {{ country }}? Answer in a few words.',
  dish: 'Name one traditional dish of {{ country }}, in a few words.',
  neighbour: 'Name one country that borders {{ country }} (or "none"), in a few words.',
};

const lines: Array<{ id: string; prompt: string; meta: { kind: string; country: string } }> = [];
for (const [kind, template] of Object.entries(questions)) {
  interpolate(template, { country: countries }).forEach((prompt, i) => {
    const country = countries[i] ?? '';
    lines.push({ id: `${kind}-${country.toLowerCase().replace(/\s+/g, '-')}`, prompt, meta: { kind, country } });
  });
}
const count = online ? Math.max(1, Number.parseInt(process.env.RXLLM_DEMO_PROMPTS ?? '20', 10) || 20) : lines.length;
mkdirSync(workDir, { recursive: true });
writeFileSync(promptsPath, lines.slice(0, count).map((line) => `${JSON.stringify(line)}\n`).join(''));
rmSync(resultsPath, { force: true }); // a fresh run each time (keep the file and re-run rxllm yourself to see resume)

let server: Awaited<ReturnType<typeof startMockServer>> | undefined;
let code = 1;
try {
  let args: string[];
  if (online) {
    console.error(`OPENAI_API_KEY is set: ${count} prompts to the real OpenAI API (gpt-4o-mini, maxTokens 60). RXLLM_DEMO_OFFLINE=1 uses the mock server.\n`);
    args = ['--model', 'openai/gpt-4o-mini', '--max-active', '4', '--rpm', '120', '--param', 'maxTokens=60', '--param', 'temperature=0'];
  } else {
    server = await startMockServer({
      latencyMs: [80, 400],
      answerTokens: 24,
      faults: { 500: 0.01, 503: 0.01, 429: 0.01 },
      faultRetryAfterMs: 200,
      seed: 42,
    });
    console.error(`No OPENAI_API_KEY: using rxllm's built-in mock server at ${server.openaiBaseURL} (offline).\n`);
    args = ['--model', 'openai/gpt-4o-mini', '--base-url', server.openaiBaseURL, '--max-active', '16', '--rpm', '2400'];
  }

  const command = ['run', relative(process.cwd(), promptsPath), '-o', relative(process.cwd(), resultsPath), ...args];
  console.error(`$ rxllm ${command.join(' ')}\n`);
  const env = { ...process.env };
  if (!online) delete env.OPENAI_API_KEY; // the mock server needs no key
  const child = spawn(process.execPath, [cli, ...command], { stdio: 'inherit', env });
  // Ctrl-C in a terminal reaches the CLI directly (same process group): it stops gracefully and says how to resume.
  // This script only stays alive to print the samples; a SIGTERM sent to it alone is passed on.
  const ignore = () => undefined;
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  code = await new Promise<number>((resolve) => child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1))));
  process.off('SIGINT', ignore);
  process.off('SIGTERM', forward);
} finally {
  await server?.close();
}

if (existsSync(resultsPath)) {
  const results = readFileSync(resultsPath, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  console.error(`\nA few of the ${results.length} result lines in ${relative(process.cwd(), resultsPath)}:`);
  for (const result of results.slice(0, 3)) {
    const answer = result.ok ? JSON.stringify(result.text) : `${result.error.type}: ${result.error.message}`;
    console.error(`  ${result.id} (${result.latencyMs} ms, ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}): ${answer}`);
  }
  if (!online) console.error('\n(The mock server answers "Re: <your prompt> …" with filler words: real models are not involved.)');
}
process.exitCode = code;

/** Builds dist/ with `npm run build` when dist/cli.js is missing or older than any file in src/. */
function buildIfNeeded() {
  const built = existsSync(cli) ? statSync(cli).mtimeMs : 0;
  if (built > 0 && newestMtime(join(root, 'src')) <= built && statSync(join(root, 'package.json')).mtimeMs <= built) return;
  console.error(built === 0 ? 'Building rxllm (first run)…' : 'src/ changed since the last build: rebuilding…');
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error('npm run build failed; see the errors above.');
    process.exit(result.status ?? 1);
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
