// Starts the benchmark server in its own process and reads its counters.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopChild, track } from './children.mjs';

const SERVER_SCRIPT = fileURLToPath(new URL('./server-process.mjs', import.meta.url));

/**
 * Spawns a server process with `options` and resolves once it printed its URL.
 * @returns {Promise<{ url: string, kind: string, stats: () => Promise<object>, stop: () => Promise<void> }>}
 */
export async function startServer(options, { startTimeoutMs = 15_000 } = {}) {
  const child = track(
    spawn(process.execPath, [SERVER_SCRIPT, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] }),
  );
  let stderr = '';
  child.stderr.on('data', (part) => {
    if (stderr.length < 8_000) stderr += part;
  });
  const first = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail(new Error(`server did not start within ${startTimeoutMs} ms`)), startTimeoutMs);
    const fail = (error) => {
      clearTimeout(timer);
      lines.close();
      reject(error);
    };
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      resolve(line);
    });
    child.once('exit', (code) => fail(new Error(`server exited (${code}) before printing its URL: ${stderr.trim()}`)));
  }).catch(async (error) => {
    await stopChild(child);
    throw error;
  });
  child.stdout.resume(); // drain anything else it prints
  const { url, kind } = parseFirstLine(first);
  if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(url)) {
    await stopChild(child);
    throw new Error(`server URL is not on 127.0.0.1: ${url}`);
  }
  const origin = new URL(url).origin;
  return {
    url,
    kind,
    stats: async () => {
      const response = await fetch(`${origin}/stats`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`GET /stats answered ${response.status}`);
      return response.json();
    },
    stop: () => stopChild(child),
    get stderr() {
      return stderr;
    },
  };
}

function parseFirstLine(line) {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed);
  const match = /https?:\/\/\S+/.exec(trimmed);
  if (!match) throw new Error(`server printed no URL: ${trimmed}`);
  return { url: match[0], kind: 'mock-server' };
}
