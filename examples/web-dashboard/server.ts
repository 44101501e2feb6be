// A live dashboard in the browser: `npx tsx examples/web-dashboard/server.ts`, then open the URL it prints.
// A node:http server runs a batch with streamEach and pushes each answer's tokens to the page over SSE (page.html:
// one card per prompt filling in live, a progress bar with rate, tokens and cost, failed cards marked, a Stop button).
// One run is multicast: a second tab sees the same run (replayed from its start), it does not start another. When the
// last tab closes, the run is unsubscribed and its requests are aborted; the next page load starts a new run.
// Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server streams slowly, failing 1 in 10 with a 400.
// PORT picks the port (default 8787; 0 for any free one).
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ReplaySubject, share, Subject } from 'rxjs';
import { interpolate, openai } from 'rxllm';
import { startMockServer } from 'rxllm/testing';
import { dashboardRun, type DashboardEvent } from './dashboard-run.js';

const mock = process.env.BASE_URL || process.env.OPENAI_API_KEY
  ? undefined
  : await startMockServer({ tokensPerSecond: 12, latencyMs: [200, 1_500], answerTokens: 24, faults: { 400: 0.1 }, seed: 4 });
try {
  const modelName = process.env.MODEL ?? 'gpt-4o-mini';
  const model = openai({ model: modelName, baseURL: mock?.openaiBaseURL ?? process.env.BASE_URL });
  const prompts = interpolate('Write one sentence about {{ topic }}.', {
    topic: ['rivers', 'deserts', 'comets', 'owls', 'bridges', 'volcanoes', 'tides', 'glaciers', 'bees', 'lighthouses', 'moss', 'storms'],
  });
  const stop$ = new Subject<void>();
  // share: the first tab starts the run; later tabs get a replay of its events, then the live ones. When the run
  // ends, or every tab has left (unsubscribing aborts it), the next tab starts a new one.
  const run$ = dashboardRun(model, modelName, prompts, stop$).pipe(share({ connector: () => new ReplaySubject<DashboardEvent>() }));
  const page = await readFile(join(import.meta.dirname, 'page.html'));

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    if (req.method === 'POST' && req.url === '/stop') {
      stop$.next(); // every tab receives { type: 'end', stopped: true }
      return res.writeHead(204).end();
    }
    if (req.method !== 'GET' || req.url !== '/events') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    const watching = run$.subscribe({
      next: (event) => res.write(`data: ${JSON.stringify(event)}\n\n`),
      error: (error: Error) => res.end(`data: ${JSON.stringify({ type: 'end', stopped: true, error: error.message })}\n\n`),
      complete: () => res.end(),
    });
    req.on('close', () => watching.unsubscribe()); // the tab left (or we ended): stop watching; the last one out aborts
  });
  server.listen(Number(process.env.PORT ?? 8787), '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  console.log(`dashboard: http://127.0.0.1:${typeof address === 'object' && address ? address.port : '?'}/ (Ctrl-C to quit)`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  server.closeAllConnections(); // open SSE responses would keep close() waiting
  await new Promise((resolve) => server.close(resolve));
  console.log('dashboard closed');
} finally {
  await mock?.close();
}
