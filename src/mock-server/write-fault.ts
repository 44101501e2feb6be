import type { FaultKind } from './fault-kinds.js';
import type { MockExchange } from './mock-exchange.js';
import { writeJsonAnswer, writeStreamAnswer } from './write-answer.js';

/** Settings the fault writers read. */
export interface FaultSettings {
  chunkTokens: number;
  tokensPerSecond: number;
  faultRetryAfterMs: number;
  endlessBodyMaxBytes: number;
  /** Next float in [0, 1) of the server's seeded PRNG (where a stream is cut). */
  random: () => number;
}

const HTML_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
  '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const HTML_WELCOME =
  '<!DOCTYPE html>\n<html>\n<head><title>Welcome to nginx!</title></head>\n<body>\n<h1>Welcome to nginx!</h1>\n' +
  '<p>If you see this page, the nginx web server is successfully installed and working.</p>\n</body>\n</html>\n';
const GARBAGE_SSE = 'this is not an event stream\n<html><body>oops</body></html>\n{"choices": [}\n\n\u0000\u0001 binary?\n\n';
const ENDLESS_JSON_HEAD = '{"id":"endless","padding":"';
const ENDLESS_JSON_BLOCK = Buffer.alloc(65_536, 'x');

/**
 * The refusal the `refusal` fault answers, as token pieces: the wording of a recorded OpenAI refusal
 * (openai/openai-node, tests/lib/__snapshots__/ChatCompletionStream.test.ts.snap, "emits refusal logprobs events").
 */
const REFUSAL_PIECES = ["I'm", ' very', ' sorry', ',', ' but', ' I', " can't", ' assist', ' with', ' that', ' request', '.'];

const STATUS_MESSAGES: Record<string, string> = {
  '400': 'Invalid request (injected fault).',
  '401': 'Incorrect API key provided (injected fault).',
  '402': 'You exceeded your current quota, please check your plan and billing details (injected fault).',
  '403': 'You are not allowed to use this model (injected fault).',
  '500': 'The server had an error while processing your request (injected fault).',
  '502': 'Bad gateway (injected fault).',
  '503': 'The engine is currently overloaded, please try again later (injected fault).',
  '504': 'Gateway timeout (injected fault).',
  '529': 'Overloaded (injected fault).',
};

// The bodies below are written here, apart from the adapters' readers, so that a test of rxllm against the mock
// checks the reader against what providers send (spec/fixtures/error-bodies.ts cites where each shape comes from).
const OPENAI_INSUFFICIENT_QUOTA =
  '{"error":{"message":"You exceeded your current quota, please check your plan and billing details (injected fault).",' +
  '"type":"insufficient_quota","param":null,"code":"insufficient_quota"}}';
const ANTHROPIC_LOW_CREDIT =
  '{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. ' +
  'Please go to Plans & Billing to upgrade or purchase credits (injected fault)."}}';
const GROQ_429 =
  '{"error":{"message":"Rate limit reached for model `mock-model` in organization `org_mock` service tier `on_demand` on tokens per ' +
  'minute (TPM): Limit 6000, Used 6000, Requested 100. Please try again in 1s (injected fault). Need more tokens? Upgrade to Dev Tier ' +
  'today at https://console.groq.com/settings/billing","type":"tokens","code":"rate_limit_exceeded"}}';
const GATEWAY_SSE_ERROR =
  'data: {"error": {"message": "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached (injected fault).", ' +
  '"type": null, "param": null, "code": "429"}}\n\n';
const OPENAI_ERROR_EVENT = '{"error":{"message":"The server had an error while processing your request (injected fault).","type":"server_error","param":null,"code":null}}';
const ANTHROPIC_ERROR_EVENT = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded (injected fault)."}}';

/** Answers an exchange with the fault it drew. `hang` is handled by not calling this at all. */
export function writeFault(exchange: MockExchange, kind: FaultKind, settings: FaultSettings): void {
  const stream = exchange.answer?.request.stream === true;
  switch (kind) {
    case '429':
    case '429-no-retry-after': {
      if (kind === '429') {
        exchange.headers['retry-after-ms'] = String(settings.faultRetryAfterMs);
        exchange.headers['retry-after'] = String(Math.ceil(settings.faultRetryAfterMs / 1000));
      }
      exchange.sendError(429, 'Rate limit reached for requests (injected fault).');
      return;
    }
    case 'reset':
      exchange.req.socket.destroy();
      exchange.finish();
      return;
    case 'hang':
      return;
    case 'midstream-drop':
    case 'truncated-body':
      if (stream) cutStream(exchange, kind === 'midstream-drop' ? 'drop' : 'truncate', settings);
      else cutJson(exchange, kind);
      return;
    case 'malformed-json':
      if (stream) {
        exchange.writeHead(200, 'text/event-stream; charset=utf-8');
        exchange.res.end(exchange.wire.malformedStream);
        exchange.finish();
      } else {
        exchange.send(200, 'application/json', exchange.wire.malformedJson);
      }
      return;
    case 'malformed-sse':
      exchange.writeHead(200, 'text/event-stream; charset=utf-8');
      exchange.res.end(GARBAGE_SSE);
      exchange.finish();
      return;
    case 'wrong-content-type':
      exchange.send(200, 'text/html; charset=utf-8', HTML_WELCOME);
      return;
    case 'html-error':
      exchange.send(502, 'text/html', HTML_502);
      return;
    case 'endless-body':
      writeEndless(exchange, stream, settings.endlessBodyMaxBytes);
      return;
    case 'insufficient-quota':
      if (exchange.wire.provider === 'anthropic') exchange.send(400, 'application/json', ANTHROPIC_LOW_CREDIT);
      else exchange.send(429, 'application/json', OPENAI_INSUFFICIENT_QUOTA);
      return;
    case 'groq-429':
      exchange.send(429, 'application/json', GROQ_429);
      return;
    case 'gateway-error':
      // A gateway passes the provider's request id on under a prefixed name, and sends its own call id.
      exchange.headers['llm_provider-x-request-id'] = exchange.headers[exchange.wire.requestIdHeader] ?? 'req_mock';
      delete exchange.headers[exchange.wire.requestIdHeader];
      exchange.headers['x-litellm-call-id'] = 'litellm-call-mock';
      exchange.send(429, 'text/event-stream; charset=utf-8', GATEWAY_SSE_ERROR);
      return;
    case 'stream-error-event':
      writeErrorEvent(exchange, stream);
      return;
    case 'refusal':
      if (exchange.answer === undefined) return;
      exchange.answer = { ...exchange.answer, pieces: REFUSAL_PIECES, finish: 'stop', refusal: true };
      if (stream) writeStreamAnswer(exchange, settings.chunkTokens, settings.tokensPerSecond);
      else writeJsonAnswer(exchange);
      return;
    default:
      exchange.sendError(Number(kind), STATUS_MESSAGES[kind] ?? 'Injected fault.');
  }
}

function writeErrorEvent(exchange: MockExchange, stream: boolean): void {
  const own = exchange.wire.errorEvent?.(exchange.answer?.model ?? 'mock-model', stream);
  if (own !== undefined) {
    exchange.send(200, stream ? 'text/event-stream; charset=utf-8' : 'application/json', own);
    return;
  }
  const anthropic = exchange.wire.provider === 'anthropic';
  const body = anthropic ? ANTHROPIC_ERROR_EVENT : OPENAI_ERROR_EVENT;
  if (!stream) {
    exchange.send(200, 'application/json', body);
    return;
  }
  exchange.send(200, 'text/event-stream; charset=utf-8', anthropic ? `event: error\ndata: ${body}\n\n` : `data: ${body}\n\ndata: [DONE]\n\n`);
}

function cutStream(exchange: MockExchange, mode: 'drop' | 'truncate', settings: FaultSettings): void {
  const pieces = exchange.answer?.pieces.length ?? 0;
  const events = Math.ceil(pieces / settings.chunkTokens);
  exchange.cutMode = mode;
  exchange.cutAt = events <= 1 ? events : 1 + Math.floor(settings.random() * (events - 1));
  writeStreamAnswer(exchange, settings.chunkTokens, settings.tokensPerSecond);
}

function cutJson(exchange: MockExchange, kind: 'midstream-drop' | 'truncated-body'): void {
  const answer = exchange.answer;
  if (answer === undefined) return;
  const body = exchange.wire.completion(answer);
  const half = body.slice(0, Math.floor(body.length / 2));
  if (kind === 'truncated-body') exchange.headers['content-length'] = String(Buffer.byteLength(body));
  exchange.writeHead(200, 'application/json');
  if (kind === 'midstream-drop') {
    exchange.writeThenDestroy(half);
  } else {
    const socket = exchange.req.socket;
    exchange.res.write(half, () => socket.end());
  }
  exchange.finish();
}

function writeEndless(exchange: MockExchange, stream: boolean, maxBytes: number): void {
  exchange.writeHead(200, stream ? 'text/event-stream; charset=utf-8' : 'application/json');
  exchange.res.write(stream ? exchange.wire.endlessStreamHead : ENDLESS_JSON_HEAD);
  const block = stream ? exchange.wire.endlessStreamBlock : ENDLESS_JSON_BLOCK;
  const pumpEndless = (): void => {
    while (!exchange.finished) {
      if (exchange.written >= maxBytes) {
        exchange.finish();
        exchange.req.socket.destroy();
        return;
      }
      exchange.written += block.length;
      if (!exchange.res.write(block)) {
        exchange.res.once('drain', pumpEndless);
        return;
      }
    }
  };
  pumpEndless();
}
