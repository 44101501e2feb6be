// Cancelling a run: an AbortSignal (parallelChat, or the `signal` option of chatEach/streamEach), takeUntil, or
// unsubscribe all abort the requests in flight at once. Offline unless BASE_URL or OPENAI_API_KEY is set: then a local
// mock server answers slowly (0.1 to 3 s), and reports how many requests the client abandoned.
import { setTimeout as sleep } from 'node:timers/promises';
import { from, takeUntil, timer } from 'rxjs';
import { chatEach, openai, parallelChat } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer({ latencyMs: [100, 3_000] });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
  const prompts = Array.from({ length: 12 }, (_, i) => `Tell me a long story, number ${i + 1}.`);
  const options = { maxActive: 6, rpm: 6_000, params: { maxTokens: 16 } };

  // 1. An AbortSignal: with onAbort 'resolve' the Promise resolves with what is done (null for the rest);
  //    the default, 'reject', rejects with signal.reason (and partialResultsOf(error) gives what was done).
  const results = await parallelChat(model, prompts, { ...options, signal: AbortSignal.timeout(500), onAbort: 'resolve' });
  const cancelled = results.filter((result) => result === null).length;
  console.log(`AbortSignal after 500 ms: ${results.length - cancelled} answered, ${cancelled} cancelled`);

  // 2. takeUntil (or unsubscribe): the pipeline stops and aborts what is in flight.
  let answered = 0;
  await from(prompts)
    .pipe(chatEach(model, options), takeUntil(timer(500)))
    .forEach(() => (answered += 1));
  console.log(`takeUntil(timer(500)): ${answered} answered, the rest cancelled`);
  if (server) {
    while (server.stats().inFlight > 0) await sleep(10); // the server sees the sockets close
    const { requests, delivered, aborted } = server.stats();
    console.log(`server: ${requests} requests, ${delivered} answered, ${aborted} abandoned by the client, 0 in flight`);
  }
} finally {
  await server?.close();
}
