// streamEach(model, options): one StreamItem per started request; its `chunks` are that answer's token deltas (an
// inner Observable, replayed) and `text` a Promise of the whole answer. Offline unless BASE_URL or OPENAI_API_KEY is
// set: then a local mock server streams the answers.
import { catchError, from, map, mergeMap, of, tap } from 'rxjs';
import { openai, streamEach, type StreamItem } from 'rxllm';
import { startMockServer } from 'rxllm/testing';

const server = process.env.BASE_URL || process.env.OPENAI_API_KEY ? undefined : await startMockServer({ tokensPerSecond: 100 });
try {
  const model = openai({ model: process.env.MODEL ?? 'gpt-4o-mini', baseURL: server?.openaiBaseURL ?? process.env.BASE_URL });
  const prompts = ['Write a haiku about rain.', 'Write a haiku about snow.', 'Write a haiku about wind.'];
  const items: StreamItem[] = [];
  await from(prompts)
    .pipe(
      streamEach(model, { maxActive: 3, params: { maxTokens: 12 } }),
      tap((item) => items.push(item)),
      // The deltas of all streams interleave as they arrive; each is tagged with its prompt's index.
      // A failed item's `chunks` error: catch it per item, so that one failure does not end the others.
      mergeMap((item) =>
        item.chunks.pipe(
          map((chunk) => `[${item.index}] ${JSON.stringify(chunk.text)}`),
          catchError((error: Error) => of(`[${item.index}] failed: ${error.name}: ${error.message}`)),
        ),
      ),
    )
    .forEach((line) => console.log(line));
  console.log('all streams ended');
  // Each item's `text` resolves to its whole answer (or rejects with its error).
  for (const item of items) console.log(`text of #${item.index}: ${await item.text.catch((error: Error) => error.message)}`);
} finally {
  await server?.close();
}
