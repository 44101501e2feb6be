/**
 * An OpenAI-compatible `/v1/chat/completions` server for soak tests that injects every fault rxllm must survive,
 * **deterministically per prompt and attempt**, and remembers per prompt what each attempt got and how many
 * successes were fully delivered. So a test can check the client's outcome for each prompt exactly: its error class
 * against the fault of its last attempt, its attempt count against the server's, and "no success twice".
 *
 * ```ts
 * const server = await startFaultServer({ plan: seededPlan({ seed: 7, faultRate: 0.2 }) });
 * // … run prompts against server.baseURL …
 * server.record('prompt 3');   // { outcomes: ['503', 'ok'], delivered: 1 }
 * server.duplicates;           // prompts delivered more than once: 0
 * await server.close();
 * ```
 *
 * Answers echo the prompt: the text of a success is `echo: <prompt>`. Memory is one small record per prompt.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { APIConnectionError, APITimeoutError, ResponseTooLargeError, ResponseValidationError, StreamInterruptedError } from '../../src/errors/llm-error.js';
import { EndpointNotReadyError, RateLimitError, ServerError } from '../../src/errors/api-call-error.js';
import { hashString, mixHash } from '../../src/mock-server/hash-string.js';

/** Every fault of the soak, by name. */
export const SOAK_FAULTS = [
  '500',
  '502',
  '503',
  '504',
  '429', // with retry-after
  '429-no-retry-after',
  '529',
  'reset', // connection reset before any response byte
  'hang', // no answer until the client gives up
  'midstream-drop', // the socket dies in the middle of the body
  'malformed-json',
  'malformed-sse',
  'truncated-body', // the body ends early (a lying content-length, or a stream cut mid-event)
  'wrong-content-type', // a 200 text/html page
  'html-error', // a 502 nginx page
  'endless-body', // a 200 whose body never ends
] as const;

/** One fault of `SOAK_FAULTS`. */
export type SoakFault = (typeof SOAK_FAULTS)[number];
/** What one attempt got. */
export type AttemptOutcome = SoakFault | 'ok';

/** Decides what attempt `attempt` (0-based) of the prompt `key` gets. */
export type FaultPlan = (key: string, attempt: number) => AttemptOutcome;

/** Options of `startFaultServer`. */
export interface FaultServerOptions {
  plan: FaultPlan;
  /** Most bytes an endless body writes before the server gives up and drops the socket. @defaultValue `8 MiB` */
  endlessLimitBytes?: number;
  /** The wait a `429` asks for (`retry-after-ms`, or `retry-after` in fractional seconds on odd attempts). @defaultValue `20` */
  retryAfterMs?: number;
  /** Real milliseconds before each answer (or fault) starts, so that requests overlap. @defaultValue `0` */
  latencyMs?: number;
}

/** What the server remembers about one prompt. */
export interface PromptRecord {
  /** One entry per attempt received, in order. */
  outcomes: AttemptOutcome[];
  /** Successful answers written in full. */
  delivered: number;
}

/** A running fault server. */
export interface FaultServer {
  readonly url: string;
  /** `url + '/v1'`, the `baseURL` for `openai()`. */
  readonly baseURL: string;
  record(key: string): PromptRecord | undefined;
  /** Prompts seen. */
  readonly prompts: number;
  readonly requests: number;
  /** Prompts with more than one full delivery. */
  readonly duplicates: number;
  /** Attempts by outcome. */
  readonly injected: Readonly<Record<AttemptOutcome, number>>;
  readonly openSockets: number;
  readonly connections: number;
  readonly maxInFlight: number;
  /** Resolves once no socket is open (the client closed its pool). */
  socketsClosed(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A seeded plan: each attempt is faulty with probability `faultRate`, the fault chosen evenly from `faults`. The
 * draw depends only on (seed, prompt, attempt), so a run is reproducible whatever the arrival order.
 */
export function seededPlan({ seed, faultRate, faults = SOAK_FAULTS }: { seed: number; faultRate: number; faults?: readonly SoakFault[] }): FaultPlan {
  return (key, attempt) => {
    const draw = mixHash(hashString(`${seed}:${attempt}:${key}`), 0) / 4_294_967_296;
    if (draw >= faultRate) return 'ok';
    return faults[Math.min(faults.length - 1, Math.floor((draw / faultRate) * faults.length))]!;
  };
}

/** Faults after which another attempt is expected (the client retries them, given retries left). */
export function isRetryableFault(outcome: AttemptOutcome, mode: 'chat' | 'stream', endlessHitsClientCap = true): boolean {
  switch (outcome) {
    case 'ok':
    case 'wrong-content-type':
      return false;
    case 'malformed-json':
      return true; // a garbled 2xx body (or first event) is a transport glitch, retried like a dropped connection
    case 'malformed-sse':
      return mode === 'stream'; // to a JSON request, an event stream is the wrong content type
    case 'midstream-drop':
    case 'truncated-body':
      return mode === 'chat'; // a stream broken after its first chunk is not retried
    case 'endless-body':
      return !endlessHitsClientCap && mode === 'chat';
    default:
      return true; // statuses 429/5xx, reset, hang
  }
}

/**
 * The error class(es) a failure after `outcome` may surface as (checked by name: the exact class, not a subclass).
 * `endlessHitsClientCap`: the client's `maxResponseBytes` is below the server's `endlessLimitBytes`.
 */
export function expectedErrorNames(outcome: SoakFault, mode: 'chat' | 'stream', endlessHitsClientCap = true): string[] {
  switch (outcome) {
    case '500':
    case '502':
    case '504':
    case '529':
    case 'html-error':
      return [ServerError.name];
    case '503':
      return [EndpointNotReadyError.name];
    case '429':
    case '429-no-retry-after':
      return [RateLimitError.name];
    case 'reset':
    case 'malformed-json':
      return [APIConnectionError.name];
    case 'malformed-sse':
      return mode === 'stream' ? [APIConnectionError.name] : [ResponseValidationError.name];
    case 'hang':
      return [APITimeoutError.name];
    case 'midstream-drop':
    case 'truncated-body':
      return mode === 'chat' ? [APIConnectionError.name] : [StreamInterruptedError.name];
    case 'wrong-content-type':
      return [ResponseValidationError.name];
    case 'endless-body':
      if (mode === 'stream') return [StreamInterruptedError.name];
      return endlessHitsClientCap ? [ResponseTooLargeError.name] : [APIConnectionError.name];
  }
}

/** Starts the server on 127.0.0.1, random port. */
export async function startFaultServer(options: FaultServerOptions): Promise<FaultServer> {
  const { plan, endlessLimitBytes = 8 * 1024 * 1024, retryAfterMs = 20, latencyMs = 0 } = options;
  const records = new Map<string, PromptRecord>();
  const injected = Object.fromEntries([...SOAK_FAULTS, 'ok'].map((outcome) => [outcome, 0])) as Record<AttemptOutcome, number>;
  const sockets = new Set<Socket>();
  const closeWaiters: (() => void)[] = [];
  let requests = 0;
  let duplicates = 0;
  let connections = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      let body: { messages?: { content?: unknown }[]; stream?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
        return;
      }
      requests += 1;
      const key = String(body.messages?.at(-1)?.content ?? '');
      let record = records.get(key);
      if (record === undefined) {
        record = { outcomes: [], delivered: 0 };
        records.set(key, record);
      }
      const outcome = plan(key, record.outcomes.length);
      record.outcomes.push(outcome);
      injected[outcome] += 1;
      const answer = `echo: ${key}`;
      const stream = body.stream === true;
      const owner = record;
      const respond = () => {
        if (res.destroyed) return;
        if (outcome === 'ok') {
          res.once('finish', () => {
            owner.delivered += 1;
            if (owner.delivered === 2) duplicates += 1;
          });
          if (stream) sendStream(res, answer);
          else sendJson(res, 200, completion(answer));
          return;
        }
        injectFault(req, res, outcome, stream, answer, { endlessLimitBytes, retryAfterMs, attempt: owner.outcomes.length - 1 });
      };
      if (latencyMs <= 0) return respond();
      const timer = setTimeout(respond, latencyMs);
      res.once('close', () => clearTimeout(timer));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    connections += 1;
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const wake of closeWaiters.splice(0)) wake();
    });
  });
  server.on('clientError', (_error, socket: Socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

  return {
    url,
    baseURL: `${url}/v1`,
    record: (key) => records.get(key),
    get prompts() {
      return records.size;
    },
    get requests() {
      return requests;
    },
    get duplicates() {
      return duplicates;
    },
    injected,
    get openSockets() {
      return sockets.size;
    },
    get connections() {
      return connections;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    socketsClosed: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => closeWaiters.push(resolve))),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      records.clear();
    },
  };
}

// ---- the wire ----------------------------------------------------------------------------------------------------

const ERROR_TYPES: Record<string, string> = { '429': 'rate_limit_exceeded', '429-no-retry-after': 'rate_limit_exceeded', '529': 'overloaded_error' };
const HTML_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const HTML_PAGE = '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n';
const GARBAGE_SSE = 'this is not an event stream\n<html><body>oops</body></html>\n{"choices": [}\n\n';

function completion(text: string): string {
  return JSON.stringify({
    id: 'chatcmpl-soak',
    object: 'chat.completion',
    created: 1,
    model: 'soak-model',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 },
  });
}

function chunkEvent(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-soak', object: 'chat.completion.chunk', model: 'soak-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

function streamParts(text: string): { head: string; content: string[]; tail: string } {
  const words = text.split(' ').map((word, index) => (index === 0 ? word : ` ${word}`));
  return {
    head: chunkEvent({ role: 'assistant', content: '' }),
    content: words.map((word) => chunkEvent({ content: word })),
    tail:
      chunkEvent({}, 'stop') +
      `data: ${JSON.stringify({ id: 'chatcmpl-soak', object: 'chat.completion.chunk', model: 'soak-model', choices: [], usage: { prompt_tokens: 8, completion_tokens: words.length } })}\n\n` +
      'data: [DONE]\n\n',
  };
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function sendStream(res: ServerResponse, text: string): void {
  const { head, content, tail } = streamParts(text);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end(head + content.join('') + tail);
}

interface FaultSettings {
  endlessLimitBytes: number;
  retryAfterMs: number;
  attempt: number;
}

function injectFault(req: IncomingMessage, res: ServerResponse, fault: SoakFault, stream: boolean, answer: string, settings: FaultSettings): void {
  const socket = req.socket as Socket & { resetAndDestroy?: () => void };
  const errorBody = (message: string, type = 'server_error') => JSON.stringify({ error: { message, type, param: null, code: null } });
  switch (fault) {
    case '500':
    case '502':
    case '503':
    case '504':
    case '529':
    case '429-no-retry-after':
      return sendJson(res, Number(fault.slice(0, 3)), errorBody(`injected ${fault}`, ERROR_TYPES[fault]));
    case '429': {
      const wait: Record<string, string> = settings.attempt % 2 === 0 ? { 'retry-after-ms': String(settings.retryAfterMs) } : { 'retry-after': String(settings.retryAfterMs / 1000) };
      return sendJson(res, 429, errorBody('injected 429', 'rate_limit_exceeded'), wait);
    }
    case 'reset':
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      return;
    case 'hang':
      return; // the client's timeout ends it
    case 'midstream-drop': {
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
      const body = stream ? (() => {
        const parts = streamParts(answer);
        return parts.head + (parts.content[0] ?? '');
      })() : completion(answer).slice(0, 40);
      res.write(body, () => socket.destroy());
      return;
    }
    case 'malformed-json':
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: {"id":"chatcmpl-soak","choices":[{"delta":{"content":"unterminated\n\n');
      } else sendJson(res, 200, '{"id":"chatcmpl-soak","choices":[{"message":{"content":"unterminated');
      return;
    case 'malformed-sse':
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(GARBAGE_SSE);
      return;
    case 'truncated-body': {
      if (stream) {
        const parts = streamParts(answer);
        const next = parts.content[1] ?? parts.tail;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(parts.head + (parts.content[0] ?? '') + next.slice(0, Math.floor(next.length / 2)));
      } else {
        const body = completion(answer);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        res.write(body.slice(0, Math.floor(body.length / 2)), () => socket.end());
      }
      return;
    }
    case 'wrong-content-type':
      return sendJson(res, 200, HTML_PAGE, {}, 'text/html; charset=utf-8');
    case 'html-error':
      return sendJson(res, 502, HTML_502, {}, 'text/html');
    case 'endless-body':
      return endless(res, socket, stream, settings.endlessLimitBytes);
  }
}

function endless(res: ServerResponse, socket: Socket, stream: boolean, limitBytes: number): void {
  res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
  const block = Buffer.from(stream ? chunkEvent({ content: ' endless' }).repeat(256) : 'x'.repeat(64 * 1024));
  let written = 0;
  if (!stream) {
    res.write('{"id":"endless","padding":"');
  }
  const pump = () => {
    while (!res.destroyed) {
      if (written >= limitBytes) {
        socket.destroy();
        return;
      }
      written += block.length;
      if (!res.write(block)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

