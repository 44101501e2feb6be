// What RxJS buys: a run is a stream like any other, so it combines with other streams.
//   takeUntil      a cancel signal (Ctrl-C) ends the run and aborts the requests in flight
//   merge          prompts that arrive on a live Subject while the first ones run join the same run
//   interval + withLatestFrom(progress$)   a status line once a second
//   scan           usage and cost added up as the results arrive
//   groupBy        two models answering the same prompts side by side, then compared
// Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server answers in 0.3 to 0.8 s.
import {
  from, fromEvent, groupBy, interval, last, map, merge, mergeMap, scan, share, Subject, takeUntil, tap, timer, withLatestFrom,
} from 'rxjs';
import { chatEach, costOf, openai, progressTracker, type ChatModel, type ChatResult } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer({ latencyMs: [300, 800] });
const modelNamed = (name: string) => openai({ model: name, baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
try {
  const model = modelNamed(process.env.MODEL ?? 'gpt-4o-mini');
  const cancel$ = fromEvent(process, 'SIGINT'); // Ctrl-C

  // 1. One run fed by a fixed list and by a live Subject (say, a queue or user input) at the same time.
  const incoming = new Subject<string>();
  const progress = progressTracker();
  const results$ = merge(from(['Name a planet.', 'Name a moon.', 'Name a star.', 'Name a comet.']), incoming).pipe(
    chatEach(model, { maxActive: 2, progress, params: { maxTokens: 12 } }),
    takeUntil(cancel$),
    share(), // one run, several watchers
  );
  // Three prompts arrive while the first ones are running, then the Subject completes (the run can then end).
  timer(500).subscribe(() => {
    for (const prompt of ['Name a galaxy.', 'Name a nebula.', 'Name an asteroid.']) incoming.next(prompt);
    incoming.complete();
  });

  const status$ = interval(1_000).pipe(
    withLatestFrom(progress.progress$),
    map(([second, p]) => `[${second + 1} s] ${p.done} done, ${p.inFlight} in flight, ${p.outputTokens} tokens out`),
    takeUntil(results$.pipe(last(undefined, null))), // stops when the run ends
  );
  const totals$ = results$.pipe(
    scan((sum, result: ChatResult) => {
      if (!result.ok) return { ...sum, failed: sum.failed + 1 };
      const { usage, model: answeredBy } = result.response;
      return { ...sum, ok: sum.ok + 1, tokens: sum.tokens + usage.inputTokens + usage.outputTokens, cost: sum.cost + (costOf(answeredBy, usage) ?? 0) };
    }, { ok: 0, failed: 0, tokens: 0, cost: 0 }),
  );
  await merge(
    status$,
    results$.pipe(map((r) => `#${r.index} ${r.ok ? r.response.text : `${r.error.name}: ${r.error.message}`}`)),
    totals$.pipe(last(), map((t) => `total: ${t.ok} ok, ${t.failed} failed, ${t.tokens} tokens, $${t.cost.toFixed(6)}`)),
  ).forEach((line) => console.log(line));

  // 2. groupBy: every prompt for each model in one stream, grouped by model, each group through its own chatEach.
  const models: ChatModel[] = [model, modelNamed('gpt-4.1-nano')];
  const questions = ['What is 2 + 2?', 'What colour is the sky?', 'Name a prime number.'];
  await from(models).pipe(
    mergeMap((m) => from(questions).pipe(map((prompt) => ({ model: m, prompt })))),
    groupBy((job) => job.model),
    mergeMap((group) => group.pipe(
      map((job) => job.prompt),
      chatEach(group.key, { maxActive: 3, params: { maxTokens: 12 } }),
      tap((r) => r.ok && console.log(`${group.key.id} #${r.index}: ${r.response.text}`)),
      scan((sum, r) => (r.ok ? { ok: sum.ok + 1, out: sum.out + r.response.usage.outputTokens, cost: sum.cost + (costOf(r.response.model, r.response.usage) ?? 0) } : sum),
        { ok: 0, out: 0, cost: 0 }),
      last(),
      map((sum) => `${group.key.id}: ${sum.ok}/${questions.length} answered, ${sum.out} tokens out, $${sum.cost.toFixed(6)}`),
    )),
    takeUntil(cancel$),
  ).forEach((line) => console.log(line));
} finally {
  await server?.close();
}
