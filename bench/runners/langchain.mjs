// LangChain the way its users batch: `ChatOpenAI.batch(prompts, { maxConcurrency })` with `returnExceptions`,
// LangChain defaults (6 retries). Streams have no batch form, so they go through `p-limit` + `model.stream()`.
import { performance } from 'node:perf_hooks';
import { ChatOpenAI } from '@langchain/openai';
import pLimit from 'p-limit';
import { lazyPrompts, promptArray } from '../lib/prompts.mjs';

export async function run(job, tally) {
  const model = new ChatOpenAI({ model: job.model, apiKey: job.apiKey, configuration: { baseURL: job.baseURL } });
  let prompts;
  if (job.source === 'generator') {
    prompts = []; // .batch takes an array: users collect the async source first
    for await (const prompt of lazyPrompts(job.n)) prompts.push(prompt);
  } else {
    prompts = promptArray(job.n);
  }

  if (!job.stream) {
    const results = await model.batch(prompts, { maxConcurrency: job.concurrency }, { returnExceptions: true });
    results.forEach((result, index) => {
      if (result instanceof Error) tally.failure(index, result);
      else {
        tally.tokens += result.usage_metadata?.output_tokens ?? 0;
        tally.success(index);
      }
    });
    return;
  }

  const limit = pLimit(job.concurrency);
  await Promise.all(
    prompts.map((prompt, index) =>
      limit(async () => {
        const startedAt = performance.now();
        let text = '';
        for await (const chunk of await model.stream(prompt)) {
          const delta = typeof chunk.content === 'string' ? chunk.content : '';
          if (delta !== '') {
            if (text === '') tally.firstToken(index, performance.now() - startedAt);
            tally.tokens += 1;
            text += delta;
          }
        }
        return text;
      }).then(
        (text) => {
          tally.success(index);
          return text;
        },
        (error) => {
          tally.failure(index, error);
          return null;
        },
      ),
    ),
  );
}
