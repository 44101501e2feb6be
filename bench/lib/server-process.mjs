// Child-process entry of the benchmark server: `node server-process.mjs '<json>'` with
// `{ distDir, maxLifetimeMs?, options: MockServerOptions }`. It starts rxllm's built-in mock server from the built
// `dist/testing.js` and prints one JSON line `{"url": "...", "kind": "..."}` on stdout once listening.
// It exits by itself when its parent goes away (stdin closes) or after `maxLifetimeMs`, so no server outlives a run.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { distDir, maxLifetimeMs = 30 * 60_000, options = {} } = JSON.parse(process.argv[2] ?? '{}');
const { startMockServer } = await import(pathToFileURL(join(distDir, 'testing.js')).href);
const server = await startMockServer({ host: '127.0.0.1', port: 0, ...options });
process.stdout.write(`${JSON.stringify({ url: server.openaiBaseURL, kind: 'rxllm mock server (dist/testing.js)' })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop); // the parent went away
process.stdin.on('error', stop);
process.stdin.resume();
setTimeout(stop, maxLifetimeMs).unref();
