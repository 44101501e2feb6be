/**
 * An OpenAI-compatible `/chat/completions` handler for pipeline tests, to install on `startLocalServer()`:
 * it answers each prompt with its own text upper-cased, injects deterministic seeded faults, and counts, per prompt,
 * the requests received and the successful answers fully delivered — the server-side truth that "nothing is lost
 * and no success is delivered twice" is checked against.
 *
 * ```ts
 * const server = await startLocalServer();
 * const chat = chatCompletions({ faultRate: 0.1, seed: 7 });
 * server.handle(chat.handler);
 * // … run a pipeline against server.baseURL …
 * chat.delivered.get('prompt 3'); // 1
 * ```
 */
import type { Handler } from './local-server.js';
import { respond } from './local-server.js';
import { completionBody, streamTranscript } from './openai-transcripts.js';
import { createSeededRandom } from '../../src/mock-server/create-seeded-random.js';

/** The faults `chatCompletions` can inject. */
export type Fault = 'server-error' | 'unavailable' | 'reset' | 'rate-limit';

/** Options of `chatCompletions`. */
export interface ChatCompletionsOptions {
  /** Share of requests answered with a fault instead, drawn from a seeded generator. @defaultValue `0` */
  faultRate?: number;
  /** Seed of the fault draws. @defaultValue `1` */
  seed?: number;
  /** Faults to draw from, evenly. @defaultValue all four */
  faults?: readonly Fault[];
  /** `retry-after-ms` sent with an injected 429. @defaultValue `5` */
  retryAfterMs?: number;
  /** Answers to script per prompt (checked first; may return `undefined` to answer normally). */
  script?: (prompt: string, attempt: number) => Handler | undefined;
  /** Real milliseconds to wait before answering normally. @defaultValue `0` (answer at once) */
  delayMs?: number;
}

/** The handler and what it counted. */
export interface ChatCompletions {
  handler: Handler;
  /** Requests received per prompt. */
  received: Map<string, number>;
  /** Successful answers fully written per prompt. */
  delivered: Map<string, number>;
  /** Faults injected, by kind. */
  injected: Record<Fault, number>;
}

/** Makes the handler; see the module documentation. */
export function chatCompletions(options: ChatCompletionsOptions = {}): ChatCompletions {
  const { faultRate = 0, seed = 1, faults = ['server-error', 'unavailable', 'reset', 'rate-limit'], retryAfterMs = 5, script, delayMs = 0 } = options;
  const random = createSeededRandom(seed);
  const received = new Map<string, number>();
  const delivered = new Map<string, number>();
  const injected: Record<Fault, number> = { 'server-error': 0, unavailable: 0, reset: 0, 'rate-limit': 0 };

  const answer = (prompt: string, stream: boolean): Handler => {
    const text = prompt.toUpperCase();
    const normal = stream ? respond.sse(streamTranscript(text.split(' ').map((word, i) => (i === 0 ? word : ` ${word}`)))) : respond.json(200, completionBody(text));
    const counted: Handler = (exchange) => {
      exchange.res.once('finish', () => delivered.set(prompt, (delivered.get(prompt) ?? 0) + 1));
      return normal(exchange);
    };
    return delayMs > 0 ? respond.delay(delayMs, counted) : counted;
  };

  const handler: Handler = (exchange) => {
    const body = exchange.request.body as { messages?: { role: string; content: string }[]; stream?: boolean };
    const prompt = body.messages?.filter((message) => message.role === 'user').at(-1)?.content ?? '';
    const attempt = received.get(prompt) ?? 0;
    received.set(prompt, attempt + 1);
    const scripted = script?.(prompt, attempt);
    if (scripted !== undefined) return scripted(exchange);
    if (random() < faultRate) {
      const fault = faults[Math.floor(random() * faults.length)]!;
      injected[fault] += 1;
      return faultHandler(fault, retryAfterMs)(exchange);
    }
    return answer(prompt, body.stream === true)(exchange);
  };
  return { handler, received, delivered, injected };
}

function faultHandler(fault: Fault, retryAfterMs: number): Handler {
  switch (fault) {
    case 'server-error':
      return respond.json(500, { error: { message: 'injected failure', type: 'server_error' } });
    case 'unavailable':
      return respond.json(503, { error: { message: 'injected: overloaded', type: 'server_error' } });
    case 'reset':
      return respond.resetSocket();
    case 'rate-limit':
      return respond.json(429, { error: { message: 'injected: slow down', type: 'rate_limit_exceeded' } }, { 'retry-after-ms': String(retryAfterMs) });
  }
}

