// rxllm as its users write it, loaded from the built package (`dist/index.js`, or `job.distDir`):
// `chatEach` over `from(prompts)` (or `pullPrompts(asyncGenerator)` for huge sources), `parallelChat`, and
// `streamEach` for streams; the `responses` variant runs the same through `openai({ api: 'responses' })`. Results are counted as they arrive and not kept (except by `parallelChat`, whose job
// is to keep them).
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { importFromRoot } from '../lib/from-root.mjs';
import { lazyPrompts, promptArray, promptText } from '../lib/prompts.mjs';

const { from, lastValueFrom, mergeMap, tap, EMPTY, ignoreElements, catchError, defaultIfEmpty } = await importFromRoot('rxjs');

/** rxllm's build, imported by `prepare` before the clock starts (like the other runners' top-level imports). */
let rxllm;

export async function prepare(job) {
  rxllm = await import(pathToFileURL(join(job.distDir, 'index.js')).href);
}

export async function run(job, tally) {
  const api = job.variant === 'responses' ? { api: 'responses' } : {};
  const model = rxllm.openai({ model: job.model, apiKey: job.apiKey, baseURL: job.baseURL, ...api });
  try {
    await runWith(model, job, tally);
  } finally {
    await model.provider.close?.(); // its sockets, as the baseline closes its agent (a warm-up batch's must not linger)
  }
}

async function runWith(model, job, tally) {
  const options = {
    maxActive: job.concurrency,
    rpm: job.rateLimit?.rpm ?? Infinity,
    ...(job.retry === undefined ? {} : { retry: job.retry }),
  };

  if (job.variant === 'parallelChat') {
    const results = await rxllm.parallelChat(model, promptArray(job.n), { ...options, onError: 'continue' });
    results.forEach((result, index) => {
      if (result === null) return; // never submitted: counted as lost
      if (rxllm.isLlmError(result)) tally.failure(index, result);
      else {
        tally.tokens += result.usage.outputTokens;
        tally.success(index);
      }
    });
    return;
  }

  if (job.stream) return runStreams(rxllm, model, options, job, tally);

  const prompts = job.source === 'generator' ? rxllm.pullPrompts(lazyPrompts(job.n)) : from(promptArray(job.n));
  await lastValueFrom(
    prompts.pipe(
      rxllm.chatEach(model, options),
      tap((result) => {
        if (result.ok) {
          tally.tokens += result.response.usage.outputTokens;
          tally.success(result.index);
        } else tally.failure(result.index, result.error);
      }),
      ignoreElements(),
      defaultIfEmpty(undefined),
    ),
  );
}

/**
 * Streams: `streamEach`, each item's `chunks` consumed as they come. Time to first token is measured from the moment
 * the pipeline pulls the prompt from its source (`pullPrompts` with no read-ahead pulls it when a slot frees up), so
 * it includes everything rxllm does before sending: the same start as the baseline's worker taking an index.
 */
async function runStreams(rxllm, model, options, job, tally) {
  const pulledAt = new Float64Array(job.n);
  function* prompts() {
    for (let index = 0; index < job.n; index += 1) {
      pulledAt[index] = performance.now();
      yield promptText(index);
    }
  }
  await lastValueFrom(
    rxllm.pullPrompts(prompts(), { readAhead: 0 }).pipe(
      rxllm.streamEach(model, options),
      mergeMap((item) => {
        let first = true;
        return item.chunks.pipe(
          tap((chunk) => {
            if (chunk.text === '') return;
            if (first) {
              first = false;
              tally.firstToken(item.index, performance.now() - pulledAt[item.index]);
            }
            tally.tokens += 1;
          }),
          ignoreElements(),
          tap({ complete: () => tally.success(item.index) }),
          catchError((error) => {
            tally.failure(item.index, error);
            return EMPTY;
          }),
        );
      }),
      defaultIfEmpty(undefined),
    ),
  );
}
