// Runs one job in a fresh runner process and returns its report (or a `broken` report on crash or timeout).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, track } from './children.mjs';

const RUNNER_SCRIPT = fileURLToPath(new URL('./runner-process.mjs', import.meta.url));
const SCRUBBED = /(API_KEY|_TOKEN|SECRET|^OPENAI_|^ANTHROPIC_|^LANGCHAIN_|^LANGSMITH_|^AI_GATEWAY)/i;

/**
 * @param {object} job - serialisable job, see runners/*.mjs
 * @param {{ timeoutMs: number, cpuProfileDir?: string, cpuProfileName?: string }} options
 */
export async function runInChild(job, { timeoutMs, cpuProfileDir, cpuProfileName = 'runner.cpuprofile' }) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SCRUBBED.test(name)));
  Object.assign(env, { LANGCHAIN_TRACING_V2: 'false', LANGSMITH_TRACING: 'false', LANGCHAIN_CALLBACKS_BACKGROUND: 'true' });
  const execArgv =
    cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${cpuProfileName}`];
  const child = track(fork(RUNNER_SCRIPT, [JSON.stringify(job)], { env, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }));
  let output = '';
  const keep = (part) => {
    if (output.length < 16_000) output += part;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  try {
    return await new Promise((resolve) => {
      let settled = false;
      const settle = (report) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(report);
      };
      const timer = setTimeout(
        () => settle({ ok: false, error: `timed out after ${Math.round(timeoutMs / 1000)} s`, output }),
        timeoutMs,
      );
      child.once('message', (message) => settle(message.ok ? message : { ...message, output }));
      child.once('exit', (code, signal) =>
        settle({ ok: false, error: `runner exited (${signal ?? code}) without a report`, output }),
      );
    });
  } finally {
    await exited(child, 5_000); // a reporting child exits by itself (and writes its --cpu-prof profile)
    await stopChild(child);
  }
}

function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
