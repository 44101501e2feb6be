// rateLimiter(options): one budget of requests (and tokens) per minute shared by several pipelines — here two
// chatEach runs at once, plus a plain stream paced by the rateLimit operator. Offline unless BASE_URL or
// OPENAI_API_KEY is set: then a local mock server answers, enforcing 600 requests per minute itself (429 beyond).
import { from, merge, of } from 'rxjs';
import { chatEach, openai, rateLimit, rateLimiter } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY
  ? undefined
  : await startMockServer({ rpmLimit: 10, windowMs: 1_000 }); // 10 per second = 600 per minute
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });

  // 480 requests per minute (one every 125 ms) between everyone who uses it: safely under the server's limit.
  const limiter = rateLimiter({ rpm: 480, tpm: 200_000 });
  const started = Date.now();
  const at = () => `${String(Date.now() - started).padStart(5)} ms`;

  const summaries = from(['Summarise A.', 'Summarise B.', 'Summarise C.', 'Summarise D.', 'Summarise E.'])
    .pipe(chatEach(model, { limiter, maxActive: 2, params: { maxTokens: 8 } }));
  const translations = from(['Translate A.', 'Translate B.', 'Translate C.', 'Translate D.', 'Translate E.'])
    .pipe(chatEach(model, { limiter, maxActive: 2, params: { maxTokens: 8 } }));
  // Anything else that must share the budget: rateLimit holds each value until the limiter grants it a turn.
  const other = of('other job 1', 'other job 2').pipe(rateLimit(limiter));

  await merge(summaries, translations, other).forEach((value) =>
    console.log(at(), typeof value === 'string' ? value : `${value.ok ? 'ok' : value.error.name}: ${value.prompt}`),
  );
  console.log(`12 turns in ${Date.now() - started} ms (at least 11 × 125 ms)`);
  if (server) console.log(`429s from the server: ${server.stats().rateLimited}`);
} finally {
  await server?.close();
}
