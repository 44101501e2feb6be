import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { AnthropicBatchApi } from './anthropic-batch-api.js';
import { anthropicWire } from './anthropic-wire.js';
import type { BatchFault, BatchHost } from './batch-host.js';
import { cutAtStop } from './cut-at-stop.js';
import { createSeededRandom } from './create-seeded-random.js';
import { FAULT_KINDS, type FaultKind, isFaultKind } from './fault-kinds.js';
import { hashString, mixHash } from './hash-string.js';
import { jsonFromSchema } from './json-from-schema.js';
import { answerPieces, continuePieces, jsonPieces } from './mock-answer.js';
import { type ExchangeHost, MockExchange } from './mock-exchange.js';
import type { ResolvedMockServerOptions } from './mock-server-options.js';
import { StatsRecorder } from './mock-stats.js';
import { OpenAIBatchApi } from './openai-batch-api.js';
import { openaiWire } from './openai-wire.js';
import { responsesWire } from './responses-wire.js';
import { createRateWindow, OtherTraffic, type RateWindow } from './rate-window.js';
import type { MockChatRequest } from './read-chat-request.js';
import { writeJsonAnswer, writeStreamAnswer } from './write-answer.js';
import { type FaultSettings, writeFault } from './write-fault.js';
import type { MockAnswer, RateSnapshot, WireFormat } from './wire-format.js';

const JSON_TYPE = 'application/json';
/** A day in ms: the window of the per-day request count. */
const DAY_MS = 86_400_000;

/**
 * Routes and answers every request of a mock server. Chat requests become `MockExchange`s; the hot path does no
 * validation beyond the few fields it reads, and builds bodies from strings.
 */
export class MockRequestHandler implements ExchangeHost, BatchHost {
  readonly stats: StatsRecorder;
  readonly active = new Set<MockExchange>();
  private readonly random: () => number;
  private readonly requestWindow: RateWindow | undefined;
  private readonly tokenWindow: RateWindow | undefined;
  /** Simulated other traffic on the same key, one per enforced budget. */
  private readonly otherTraffic: OtherTraffic[] = [];
  /** The per-day request count `rateLimitHeaders: 'per-day-requests'` announces. */
  private readonly dayWindow: RateWindow | undefined;
  private readonly faultSettings: FaultSettings;
  private readonly modelsBody: string;
  private sequence = 0;

  private readonly batchRandom: () => number;
  private readonly openaiBatches: OpenAIBatchApi;
  private readonly anthropicBatches: AnthropicBatchApi;
  /** `http://127.0.0.1:PORT`, set once the server listens (Anthropic's `results_url` is absolute). */
  url = '';

  constructor(readonly config: ResolvedMockServerOptions) {
    this.stats = new StatsRecorder(config.trackDeliveries);
    this.random = createSeededRandom(config.seed);
    // Batch faults draw from their own sequence, so that batches do not shift the chat faults' draws.
    this.batchRandom = createSeededRandom(config.seed ^ 0x5f3759df);
    this.openaiBatches = new OpenAIBatchApi(this);
    this.anthropicBatches = new AnthropicBatchApi(this);
    const { rateLimitAlgorithm, windowMs } = config;
    this.requestWindow = config.rpmLimit === undefined ? undefined : createRateWindow(rateLimitAlgorithm, config.rpmLimit, windowMs);
    this.tokenWindow = config.tpmLimit === undefined ? undefined : createRateWindow(rateLimitAlgorithm, config.tpmLimit, windowMs);
    for (const window of [this.requestWindow, this.tokenWindow]) {
      if (window !== undefined && config.otherTrafficShare > 0) this.otherTraffic.push(new OtherTraffic(window, config.otherTrafficShare, windowMs));
    }
    this.dayWindow = config.rateLimitHeaders === 'per-day-requests' ? createRateWindow('token-bucket', config.requestsPerDay, DAY_MS) : undefined;
    this.faultSettings = {
      chunkTokens: config.chunkTokens,
      tokensPerSecond: config.tokensPerSecond,
      faultRetryAfterMs: config.faultRetryAfterMs,
      endlessBodyMaxBytes: config.endlessBodyMaxBytes,
      random: this.random,
    };
    const created = '2024-01-01T00:00:00Z';
    this.modelsBody = JSON.stringify({
      object: 'list',
      data: config.models.map((id) => ({
        id,
        object: 'model',
        created: 1_704_067_200,
        owned_by: 'rxllm',
        type: 'model',
        display_name: id,
        created_at: created,
      })),
      has_more: false,
      first_id: config.models[0],
      last_id: config.models[config.models.length - 1],
    });
  }

  /** The `node:http` request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    // Only the paths the real APIs serve: `/chat/completions` without `/v1` is a 404 there (a base URL missing its
    // version), in the provider's own error shape.
    if (path === '/v1/chat/completions') {
      if (req.method === 'POST') this.start(req, res, openaiWire);
      else sendPlain(req, res, 405, openaiWire.errorBody(405, `Use POST for ${path}.`));
      return;
    }
    if (path === '/v1/responses') {
      if (req.method === 'POST') this.start(req, res, responsesWire);
      else sendPlain(req, res, 405, responsesWire.errorBody(405, `Use POST for ${path}.`));
      return;
    }
    if (path === '/v1/messages') {
      if (req.method === 'POST') this.start(req, res, anthropicWire);
      else sendPlain(req, res, 405, anthropicWire.errorBody(405, `Use POST for ${path}.`));
      return;
    }
    if (path === '/stats' && req.method === 'GET') {
      const deliveries = query !== -1 && /(?:^|[?&])deliveries=(?:1|true)(?:&|$)/.test(url.slice(query));
      sendPlain(req, res, 200, JSON.stringify(this.stats.snapshot(deliveries)));
    } else if (path === '/stats/reset' && req.method === 'POST') {
      this.stats.reset();
      sendPlain(req, res, 200, '{"ok":true}');
    } else if (path === '/v1/models' && req.method === 'GET') {
      sendPlain(req, res, 200, this.modelsBody);
    } else if (path.startsWith('/v1/messages/batches')) {
      if (!this.authorizedBatch(req, res, anthropicWire)) return;
      if (!this.anthropicBatches.handle(req, res, path, new URLSearchParams(query === -1 ? '' : url.slice(query + 1)))) {
        sendPlain(req, res, 404, anthropicWire.errorBody(404, `No route for ${req.method ?? 'GET'} ${path}.`));
      }
    } else if (path.startsWith('/v1/files') || path.startsWith('/v1/batches')) {
      if (!this.authorizedBatch(req, res, openaiWire)) return;
      if (!this.openaiBatches.handle(req, res, path, new URLSearchParams(query === -1 ? '' : url.slice(query + 1)))) {
        sendPlain(req, res, 404, openaiWire.errorBody(404, `No route for ${req.method ?? 'GET'} ${path}.`));
      }
    } else if ((path === '/' || path === '/health') && req.method === 'GET') {
      sendPlain(req, res, 200, '{"ok":true,"server":"rxllm mock server"}');
    } else {
      const wire = path.endsWith('/messages') ? anthropicWire : openaiWire;
      sendPlain(req, res, 404, wire.errorBody(404, `No route for ${req.method ?? 'GET'} ${path}.`));
    }
  };

  /** Draws a batch fault at the `batchFaults` rates. */
  drawBatchFault(): BatchFault | undefined {
    const { batchFailedRate, batchExpiredRate } = this.config;
    if (batchFailedRate === 0 && batchExpiredRate === 0) return undefined;
    const draw = this.batchRandom();
    if (draw < batchFailedRate) return 'failed';
    return draw < batchFailedRate + batchExpiredRate ? 'expired' : undefined;
  }

  /** Checks the API key on a Batch API route; answers 401 and returns false when it is wrong. */
  private authorizedBatch(req: IncomingMessage, res: ServerResponse, wire: WireFormat): boolean {
    const apiKey = this.config.apiKey;
    if (apiKey === undefined || isAuthorized(req.headers, apiKey)) return true;
    sendPlain(req, res, 401, wire.errorBody(401, 'Incorrect API key provided.'));
    return false;
  }

  /** Clears the timers of every exchange in progress (their sockets are destroyed by the caller). */
  shutdown(): void {
    for (const exchange of [...this.active]) exchange.finish();
  }

  private start(req: IncomingMessage, res: ServerResponse, wire: WireFormat): void {
    const exchange = new MockExchange(this, req, res, wire, ++this.sequence);
    this.stats.started();
    this.active.add(exchange);
    exchange.listen();
  }

  /** Called once the request body has arrived: parse, decide, then answer after the latency. */
  dispatch(exchange: MockExchange): void {
    const text = exchange.takeBody();
    if (text === undefined) return exchange.sendError(413, 'The request body is too large.');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return exchange.sendError(400, 'The request body is not valid JSON.');
    }
    const request = exchange.wire.read(body);
    if (typeof request === 'string') return exchange.sendError(400, request);
    const headers = exchange.req.headers;
    const config = this.config;
    if (config.apiKey !== undefined && !isAuthorized(headers, config.apiKey)) {
      return exchange.sendError(401, 'Incorrect API key provided.');
    }

    const tierRefused = this.refuseTier(exchange, request);
    if (tierRefused) return;

    let fault: FaultKind | undefined;
    const forced = headers['x-mock-fault'];
    if (forced !== undefined) {
      if (typeof forced === 'string' && isFaultKind(forced)) fault = forced;
      else if (forced !== 'none') return exchange.sendError(400, `x-mock-fault: unknown fault ${JSON.stringify(forced)}; expected none or one of ${FAULT_KINDS.join(', ')}.`);
    } else if (config.faultKinds.length > 0) {
      fault = this.drawFault();
    }
    const answerTokens = readIntegerHeader(headers['x-mock-answer-tokens'], config.answerTokens, 1, 1_000_000);
    if (answerTokens === undefined) return exchange.sendError(400, 'x-mock-answer-tokens: expected an integer from 1 to 1000000.');
    const promptHash = mixHash(hashString(request.key), config.seed);
    let latency: number | undefined = config.latencyMin;
    if (headers['x-mock-latency-ms'] !== undefined) {
      latency = readIntegerHeader(headers['x-mock-latency-ms'], 0, 0, 3_600_000);
      if (latency === undefined) return exchange.sendError(400, 'x-mock-latency-ms: expected an integer from 0 to 3600000.');
    } else if (config.latencySpan > 0) {
      latency += Math.round((mixHash(promptHash, 0x5bd1e995) / 4_294_967_296) * config.latencySpan);
    }
    if (request.serviceTier === 'flex') latency = Math.round(latency * config.flexLatencyFactor); // flex answers more slowly

    const keyHeader = headers['x-mock-key'];
    exchange.key = typeof keyHeader === 'string' ? keyHeader : request.key;
    const answer = this.buildAnswer(exchange.wire, request, answerTokens, `mock${exchange.sequence}`, Math.floor(Date.now() / 1000), promptHash);
    exchange.answer = answer;

    if ((this.requestWindow !== undefined || this.tokenWindow !== undefined) && !this.admit(exchange, request.inputTokens + answer.pieces.length)) return;
    exchange.fault = fault;
    if (fault !== undefined) {
      this.stats.faulted(fault);
      if (fault === 'hang') return;
    }
    if (latency > 0) exchange.timer = setTimeout(respond, latency, exchange);
    else this.respond(exchange);
  }

  /** Answers after the latency: the fault, or the answer as JSON or SSE. */
  respond(exchange: MockExchange): void {
    exchange.timer = undefined;
    if (exchange.finished) return;
    if (exchange.fault !== undefined) writeFault(exchange, exchange.fault, this.faultSettings);
    else if (exchange.answer?.request.stream === true) writeStreamAnswer(exchange, this.config.chunkTokens, this.config.tokensPerSecond);
    else writeJsonAnswer(exchange);
  }

  /**
   * The answer to `request`, as the live endpoints give it (also used for batch items): text or JSON pieces cut at
   * `max_tokens` and the first stop sequence. `suffix` makes the ids (`chatcmpl-<suffix>`, `msg_<suffix>`, …).
   */
  buildAnswer(
    wire: WireFormat,
    request: MockChatRequest,
    answerTokens: number,
    suffix: string,
    created: number,
    promptHash = mixHash(hashString(request.key), this.config.seed),
  ): MockAnswer {
    const config = this.config;
    let pieces = this.answerPieces(request, promptHash, answerTokens);
    let finish: 'stop' | 'length' = 'stop';
    if (request.maxTokens !== undefined && pieces.length > request.maxTokens) {
      pieces = pieces.slice(0, request.maxTokens);
      finish = 'length';
    }
    const stopped = request.output.kind === 'tool' ? undefined : cutAtStop(pieces, request.stop);
    if (stopped !== undefined) {
      pieces = stopped.pieces;
      finish = 'stop';
    }
    return {
      id: wire === openaiWire ? `chatcmpl-${suffix}` : wire === responsesWire ? suffix : `msg_${suffix}`,
      model: request.model ?? config.model,
      created,
      request,
      pieces,
      finish,
      toolId: `toolu_${suffix}`,
      cachedTokens: Math.floor(request.inputTokens * config.cachedInputShare),
      serviceTier: servedTier(wire, request.serviceTier),
      ...(stopped === undefined ? {} : { stopSequence: stopped.sequence }),
    };
  }

  private answerPieces(request: MockChatRequest, hash: number, answerTokens: number): string[] {
    const output = request.output;
    let pieces: string[];
    if (output.kind === 'text') {
      pieces = answerPieces(request.key, hash, answerTokens);
    } else {
      const value = output.schema === undefined ? { answer: answerPieces(request.key, hash, answerTokens).join('') } : jsonFromSchema(output.schema, hash);
      pieces = jsonPieces(JSON.stringify(value));
    }
    return request.prefill === '' ? pieces : continuePieces(pieces, request.prefill);
  }

  /** Spends rate budget, adding the rate-limit headers; or answers 429 and returns false. */
  private admit(exchange: MockExchange, tokens: number): boolean {
    const now = performance.now();
    for (const other of this.otherTraffic) other.spend(now);
    const requests = this.requestWindow;
    const tokenWindow = this.tokenWindow;
    const requestWait = requests === undefined ? 0 : requests.waitMs(1, now);
    const tokenWait = tokenWindow === undefined ? 0 : tokenWindow.waitMs(tokens, now);
    const limited = requestWait > 0 || tokenWait > 0;
    if (!limited) {
      requests?.take(1, now);
      tokenWindow?.take(tokens, now);
      this.dayWindow?.take(1, now);
    }
    const headers = this.config.rateLimitHeaders;
    if (headers === 'none') {
      // Gateway style: nothing to wait on, neither in the headers nor in the body.
      if (!limited) return true;
      this.stats.rateLimitedByLimits++;
      exchange.sendError(429, 'Rate limit exceeded.');
      return false;
    }
    // Per minute when asked (OpenAI's and Anthropic's meaning), else per window.
    const perMinute = this.config.limitHeadersPerMinute ? 60_000 / this.config.windowMs : 1;
    const announced = (limit: number | undefined) => (limit === undefined ? undefined : Math.round(limit * perMinute));
    const snapshot: RateSnapshot = {
      requestsLimit: announced(requests?.limit),
      requestsRemaining: requestWait > 0 ? 0 : (requests?.remaining(now) ?? 0),
      requestsResetMs: requests === undefined ? 0 : Math.max(requestWait, requests.resetMs(now)),
      tokensLimit: announced(tokenWindow?.limit),
      tokensRemaining: tokenWait > 0 ? 0 : (tokenWindow?.remaining(now) ?? 0),
      tokensResetMs: tokenWindow === undefined ? 0 : Math.max(tokenWait, tokenWindow.resetMs(now)),
    };
    const day = this.dayWindow;
    if (day !== undefined) {
      // Groq style: the request headers count the day; the per-window request limit is enforced unannounced.
      snapshot.requestsLimit = day.limit;
      snapshot.requestsRemaining = day.remaining(now);
      snapshot.requestsResetMs = day.resetMs(now);
    }
    exchange.wire.addRateLimitHeaders(exchange.headers, snapshot);
    if (!limited) return true;
    const wait = Math.max(requestWait, tokenWait);
    exchange.headers['retry-after-ms'] = String(wait);
    exchange.headers['retry-after'] = String(Math.ceil(wait / 1000));
    this.stats.rateLimitedByLimits++;
    const what = requestWait > 0 ? `requests: limit ${requests?.limit ?? 0}` : `tokens: limit ${tokenWindow?.limit ?? 0}, requested ${tokens}`;
    exchange.sendError(429, `Rate limit reached for ${what} per ${this.config.windowMs} ms. Please try again in ${wait}ms.`);
    return false;
  }

  /**
   * Service tiers as the providers answer them: Anthropic takes only `auto` / `standard_only` (else 400); a model in
   * `modelsWithoutTiers` answers 400 to flex and priority, keyed on `param: "service_tier"` ("Unsupported service_tier:
   * flex", the wording public threads quote from OpenAI); a `flexRefusalShare` of flex requests is refused for
   * capacity: OpenAI's 429 "Resource Unavailable" (its flex guide's words) or Groq's 498 `capacity_exceeded` (its flex
   * processing docs). Composed bodies: no recorded one was found. Returns true when it answered.
   */
  private refuseTier(exchange: MockExchange, request: MockChatRequest): boolean {
    const tier = request.serviceTier;
    if (tier === undefined) return false;
    const config = this.config;
    if (exchange.wire === anthropicWire) {
      if (tier === 'auto' || tier === 'standard_only') return false;
      exchange.sendError(400, `service_tier: Input should be 'auto' or 'standard_only'`);
      return true;
    }
    if ((tier === 'flex' || tier === 'priority') && config.modelsWithoutTiers.includes(request.model ?? config.model)) {
      this.stats.tierUnsupported++;
      exchange.send(400, JSON_TYPE, exchange.wire.errorBody(400, `Unsupported service_tier: ${tier}`, { param: 'service_tier' }));
      return true;
    }
    if (tier !== 'flex' || config.flexRefusalShare <= 0 || this.random() >= config.flexRefusalShare) return false;
    this.stats.capacityRefused++;
    if (config.flexRefusalStatus === 498) {
      exchange.send(498, JSON_TYPE, exchange.wire.errorBody(498, 'Flex tier capacity exceeded', { type: 'capacity_exceeded', code: 'capacity_exceeded' }));
    } else {
      exchange.send(429, JSON_TYPE, exchange.wire.errorBody(429, 'Resource Unavailable', { type: null, code: null }));
    }
    return true;
  }

  private drawFault(): FaultKind | undefined {
    const draw = this.random();
    const bounds = this.config.faultBounds;
    for (let index = 0; index < bounds.length; index++) {
      if (draw < (bounds[index] as number)) return this.config.faultKinds[index];
    }
    return undefined;
  }
}

/** The tier that serves a request, in the wire's word: Anthropic's `standard`; OpenAI's tier asked for (`default` for `auto` or none). */
function servedTier(wire: WireFormat, asked: string | undefined): string {
  if (wire === anthropicWire) return 'standard';
  return asked === undefined || asked === 'auto' ? 'default' : asked;
}

function respond(exchange: MockExchange): void {
  (exchange.host as MockRequestHandler).respond(exchange);
}

function sendPlain(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
  req.resume();
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function isAuthorized(headers: IncomingHttpHeaders, apiKey: string): boolean {
  return headers['x-api-key'] === apiKey || headers.authorization === `Bearer ${apiKey}`;
}

function readIntegerHeader(value: string | string[] | undefined, fallback: number, min: number, max: number): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  const number = Number(value);
  return number >= min && number <= max ? number : undefined;
}
