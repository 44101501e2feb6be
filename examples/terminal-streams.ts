// streamEach in a terminal: many answers streaming side by side, one live row per prompt, and a progress line.
// Ctrl-C cancels cleanly: takeUntil unsubscribes, the requests in flight are aborted, the rows say so.
// In a terminal the rows redraw in place; when stdout is not a terminal (a pipe, CI) only the final rows print.
// Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server streams the answers at 20 tokens/s.
import { catchError, EMPTY, from, fromEvent, ignoreElements, interval, lastValueFrom, mergeMap, take, takeUntil, tap } from 'rxjs';
import { openai, progressTracker, streamEach } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY
  ? undefined
  : await startMockServer({ tokensPerSecond: 20, latencyMs: [100, 600], answerTokens: 24 });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
  const topics = ['rain', 'snow', 'wind', 'fog', 'hail', 'thunder', 'dew', 'frost'];
  const prompts = topics.map((topic) => `Describe ${topic} in one sentence.`);
  const rows = prompts.map(() => ({ mark: '·', text: '' })); // · waiting, … streaming, ✓ done, ✗ failed, ■ cancelled
  const progress = progressTracker({ total: prompts.length });
  const live = process.stdout.isTTY === true;

  const render = (final: boolean) => {
    const width = (process.stdout.columns ?? 120) - 8;
    const p = progress.snapshot();
    const fit = (text: string) => (live ? text.replace(/\s+/g, ' ').slice(-width) : text); // a row's newest words
    const lines = rows.map((row, i) => `#${i} ${row.mark} ${fit(row.text)}`);
    lines.push(`${p.done}/${p.total} done, ${p.failed} failed, ${p.inFlight} streaming, ${p.outputTokens} tokens out, ` +
      `${Math.round(p.requestsPerMinute)} req/min`);
    if (live) process.stdout.write(`\x1b[${lines.length}F\x1b[J`); // back to the first row, clear below
    if (live || final) process.stdout.write(`${lines.join('\n')}\n`);
  };
  if (live) process.stdout.write('\n'.repeat(rows.length + 1)); // room for the rows and the progress line

  let cancelled = false;
  const ctrlC$ = fromEvent(process, 'SIGINT').pipe(take(1), tap(() => (cancelled = true)));
  const run$ = from(prompts).pipe(
    streamEach(model, { maxActive: 4, progress, params: { maxTokens: 24 } }),
    mergeMap((item) => {
      const row = rows[item.index]!;
      row.mark = '…';
      return item.chunks.pipe(
        tap({
          next: (chunk) => (row.text += chunk.text),
          complete: () => (row.mark = '✓'),
          error: (error: Error) => Object.assign(row, { mark: '✗', text: `${error.name}: ${error.message}` }),
        }),
        ignoreElements(),
        catchError(() => EMPTY), // one failed answer is marked on its row; it does not end the others
      );
    }),
    takeUntil(ctrlC$), // unsubscribes: every request in flight is aborted
  );

  const redraw = live ? interval(100).subscribe(() => render(false)) : undefined;
  try {
    await lastValueFrom(run$, { defaultValue: undefined });
  } finally {
    redraw?.unsubscribe();
  }
  for (const row of rows) if (row.mark === '…' || row.mark === '·') row.mark = '■';
  render(true);
  console.log(cancelled ? 'cancelled with Ctrl-C: the requests in flight were aborted' : 'all streams ended');
} finally {
  await server?.close();
}
