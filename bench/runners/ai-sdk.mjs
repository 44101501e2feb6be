// The Vercel AI SDK the way its users batch: `generateText` / `streamText` with `@ai-sdk/openai`'s chat model,
// `p-limit`, `Promise.all`, SDK defaults (2 retries).
import { performance } from 'node:perf_hooks';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import pLimit from 'p-limit';
import { lazyPrompts, promptArray } from '../lib/prompts.mjs';

globalThis.AI_SDK_LOG_WARNINGS = false;

export async function run(job, tally) {
  const provider = createOpenAI({ apiKey: job.apiKey, baseURL: job.baseURL });
  const model = provider.chat(job.model);
  const limit = pLimit(job.concurrency);

  const ask = async (prompt, index) => {
    const startedAt = performance.now();
    if (!job.stream) {
      const result = await generateText({ model, prompt });
      tally.tokens += result.usage?.outputTokens ?? 0;
      return result.text;
    }
    let failure;
    const result = streamText({ model, prompt, onError: ({ error }) => (failure = error) });
    let text = '';
    for await (const delta of result.textStream) {
      if (delta !== '') {
        if (text === '') tally.firstToken(index, performance.now() - startedAt);
        tally.tokens += 1;
        text += delta;
      }
    }
    if (failure !== undefined) throw failure;
    return text;
  };

  const task = (prompt, index) =>
    limit(() => ask(prompt, index)).then(
      (text) => {
        tally.success(index);
        return text;
      },
      (error) => {
        tally.failure(index, error);
        return null;
      },
    );

  if (job.source === 'generator') {
    const tasks = [];
    let index = 0;
    for await (const prompt of lazyPrompts(job.n)) tasks.push(task(prompt, index++));
    await Promise.all(tasks);
  } else {
    await Promise.all(promptArray(job.n).map(task));
  }
}
