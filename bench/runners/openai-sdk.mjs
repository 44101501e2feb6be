// The official SDK the way its users batch: `openai` + `p-limit` (or `p-queue` with an interval cap when the job
// has a rate limit and the variant asks for it), `Promise.all` over the prompts, SDK defaults (2 retries).
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { lazyPrompts, promptArray } from '../lib/prompts.mjs';

export async function run(job, tally) {
  const client = new OpenAI({ apiKey: job.apiKey, baseURL: job.baseURL });
  const schedule = scheduler(job);

  const ask = async (prompt, index) => {
    const startedAt = performance.now();
    if (!job.stream) {
      const completion = await client.chat.completions.create({ model: job.model, messages: [{ role: 'user', content: prompt }] });
      tally.tokens += completion.usage?.completion_tokens ?? 0;
      return completion.choices[0]?.message?.content ?? '';
    }
    const stream = await client.chat.completions.create({
      model: job.model,
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) {
        if (text === '') tally.firstToken(index, performance.now() - startedAt);
        tally.tokens += 1;
        text += delta;
      }
    }
    return text;
  };

  const task = (prompt, index) =>
    schedule(() => ask(prompt, index)).then(
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
    // What users write for an async source: queue a task per prompt as it arrives, then wait for them all.
    const tasks = [];
    let index = 0;
    for await (const prompt of lazyPrompts(job.n)) tasks.push(task(prompt, index++));
    await Promise.all(tasks);
  } else {
    await Promise.all(promptArray(job.n).map(task));
  }
}

function scheduler(job) {
  if (job.variant === 'p-queue' && job.rateLimit !== undefined) {
    const queue = new PQueue({
      concurrency: job.concurrency,
      intervalCap: job.rateLimit.perWindow,
      interval: job.rateLimit.windowMs,
    });
    return (fn) => queue.add(fn);
  }
  return pLimit(job.concurrency);
}
