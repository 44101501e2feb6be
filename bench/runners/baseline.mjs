// The floor: a bare undici `request` on one keep-alive Agent, a minimal worker pool (N workers pulling from a
// shared index), eventsource-parser for streams, a bare retry loop (500 ms doubling backoff like rxllm's default) and, in the
// rate-limit scenario, a bare pacer that starts requests exactly 60 000 / rpm ms apart.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { importFromRoot } from '../lib/from-root.mjs';
import { lazyPrompts, promptArray } from '../lib/prompts.mjs';

const { Agent, request } = await importFromRoot('undici');
const { createParser } = await importFromRoot('eventsource-parser');

export async function run(job, tally) {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: job.concurrency });
  const url = `${job.baseURL}/chat/completions`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${job.apiKey}` };
  const next = job.source === 'generator' ? pullFrom(lazyPrompts(job.n)) : pullFromArray(promptArray(job.n));
  const pace = job.rateLimit === undefined ? undefined : pacer(60_000 / job.rateLimit.rpm);
  const maxRetries = job.retry?.maxRetries ?? 6; // the floor must not lose items to a 429 drawn at the exact limit

  const chatOnce = async (prompt) => {
    const body = JSON.stringify({ model: job.model, messages: [{ role: 'user', content: prompt }] });
    const response = await request(url, { method: 'POST', dispatcher: agent, headers, body });
    if (response.statusCode !== 200) throw await httpError(response);
    const json = await response.body.json();
    if (typeof json?.choices?.[0]?.message?.content !== 'string') throw new Error('malformed response');
    tally.tokens += json.usage?.completion_tokens ?? 0;
  };

  const streamOnce = async (prompt, index, startedAt) => {
    const body = JSON.stringify({
      model: job.model,
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const response = await request(url, { method: 'POST', dispatcher: agent, headers, body });
    if (response.statusCode !== 200) throw await httpError(response);
    let finished = false;
    let first = true;
    const parser = createParser({
      onEvent(event) {
        if (event.data === '[DONE]') {
          finished = true;
          return;
        }
        const delta = JSON.parse(event.data).choices?.[0]?.delta?.content;
        if (typeof delta === 'string' && delta !== '') {
          if (first) {
            first = false;
            tally.firstToken(index, performance.now() - startedAt);
          }
          tally.tokens += 1;
        }
      },
    });
    const decoder = new TextDecoder();
    for await (const bytes of response.body) parser.feed(decoder.decode(bytes, { stream: true }));
    if (!finished) throw new Error('stream ended before [DONE]');
  };

  const worker = async () => {
    for (;;) {
      const item = await next();
      if (item === undefined) return;
      for (let attempt = 0; ; attempt += 1) {
        if (pace !== undefined) await pace();
        const startedAt = performance.now();
        try {
          if (job.stream) await streamOnce(item.prompt, item.index, startedAt);
          else await chatOnce(item.prompt);
          tally.success(item.index);
          break;
        } catch (error) {
          if (attempt >= maxRetries || !retryable(error)) {
            tally.failure(item.index, error);
            break;
          }
          await sleep(error.retryAfterMs ?? backoff(attempt + 1));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  await agent.close();
}

function pullFromArray(prompts) {
  let index = 0;
  return () => (index < prompts.length ? { index, prompt: prompts[index++] } : undefined);
}

function pullFrom(iterable) {
  const iterator = iterable[Symbol.asyncIterator]();
  let index = 0;
  return async () => {
    const { value, done } = await iterator.next();
    return done ? undefined : { index: index++, prompt: value };
  };
}

/** Starts callers exactly `intervalMs` apart, never in a burst to catch up. */
function pacer(intervalMs) {
  let nextAt = performance.now();
  return async () => {
    const now = performance.now();
    const at = Math.max(nextAt, now);
    nextAt = at + intervalMs;
    if (at > now) await sleep(at - now);
  };
}

async function httpError(response) {
  const text = await response.body.text();
  const error = new Error(`HTTP ${response.statusCode}: ${text.slice(0, 120)}`);
  error.name = 'HttpError';
  error.status = response.statusCode;
  const ms = Number(response.headers['retry-after-ms']);
  const seconds = Number(response.headers['retry-after']);
  if (Number.isFinite(ms) && ms >= 0) error.retryAfterMs = ms;
  else if (Number.isFinite(seconds) && seconds >= 0) error.retryAfterMs = seconds * 1000;
  return error;
}

function retryable(error) {
  const status = error.status;
  if (status === undefined) return true; // connection reset, socket closed
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** rxllm's default policy: 500 ms doubling, capped at 8 s, jittered into [½, 1]. */
function backoff(retry) {
  const base = Math.min(8_000, 500 * 2 ** (retry - 1));
  return base / 2 + (Math.random() * base) / 2;
}
