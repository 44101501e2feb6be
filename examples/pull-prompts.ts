// pullPrompts(source): an (async) iterable read only as fast as the pipeline frees slots, so memory stays bounded
// by maxActive however many prompts there are. (`from(asyncIterable)` would read all of them at once.)
// Offline unless BASE_URL or OPENAI_API_KEY is set: then a local mock server answers 10,000 prompts in a few seconds;
// online it sends PROMPTS prompts (default 20).
import { chatEach, openai, pullPrompts } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer({ trackDeliveries: false });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
  const total = Number(process.env.PROMPTS ?? (server ? 10_000 : 20));
  const maxActive = 64;

  let read = 0; // prompts the generator has produced
  let done = 0;
  let mostPending = 0; // most prompts read and not yet answered, at any time
  async function* prompts() {
    for (let i = 0; i < total; i += 1) {
      read += 1;
      mostPending = Math.max(mostPending, read - done);
      yield `Prompt ${i}: say something short.`; // e.g. a line of a huge file, or a database row
    }
  }

  let failed = 0;
  await pullPrompts(prompts())
    .pipe(chatEach(model, { maxActive, rpm: server ? Infinity : 500, params: { maxTokens: 8 } }))
    .forEach((result) => {
      done += 1;
      if (!result.ok) failed += 1;
      if (done % 2_000 === 0) console.log(`${done} answered, ${read} read`);
    });
  console.log(`${done} answered (${failed} failed); at most ${mostPending} prompts in memory at once (maxActive ${maxActive})`);
} finally {
  await server?.close();
}
