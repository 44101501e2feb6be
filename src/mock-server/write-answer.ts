import { performance } from 'node:perf_hooks';
import type { MockExchange } from './mock-exchange.js';

const EVENT_STREAM = 'text/event-stream; charset=utf-8';

/** Sends the exchange's answer as one JSON body and counts the delivery. */
export function writeJsonAnswer(exchange: MockExchange): void {
  const answer = exchange.answer;
  if (answer === undefined) return;
  const body = exchange.wire.completion(answer);
  exchange.delivered();
  exchange.send(200, 'application/json', body);
}

/**
 * Streams the exchange's answer as SSE, paced at `tokensPerSecond` (0 = all at once). With `cutAt >= 0` the
 * stream stops after that many content events: `drop` destroys the socket, `truncate` ends the body cleanly in the
 * middle of the next event. Only a stream that reaches its final event counts as a delivery.
 */
export function writeStreamAnswer(exchange: MockExchange, chunkTokens: number, tokensPerSecond: number): void {
  const answer = exchange.answer;
  if (answer === undefined) return;
  exchange.parts = exchange.wire.stream(answer, chunkTokens);
  exchange.writeHead(200, EVENT_STREAM);
  exchange.intervalMs = tokensPerSecond > 0 ? (chunkTokens * 1000) / tokensPerSecond : 0;
  exchange.startedAt = performance.now();
  exchange.next = 0;
  pump(exchange, exchange.parts.head);
}

function pump(exchange: MockExchange, pending: string): void {
  exchange.timer = undefined;
  if (exchange.finished) return;
  const parts = exchange.parts;
  if (parts === undefined) return;
  const content = parts.content;
  const limit = exchange.cutAt >= 0 ? Math.min(exchange.cutAt, content.length) : content.length;
  const interval = exchange.intervalMs;
  const due = interval === 0 ? limit : Math.min(limit, 1 + Math.floor((performance.now() - exchange.startedAt) / interval));
  let out = pending;
  while (exchange.next < due) out += content[exchange.next++];
  if (exchange.next >= limit) {
    finishStream(exchange, out);
    return;
  }
  if (out !== '') exchange.res.write(out);
  const wait = exchange.startedAt + exchange.next * interval - performance.now();
  exchange.timer = setTimeout(pumpLater, Math.max(1, Math.ceil(wait)), exchange);
}

function pumpLater(exchange: MockExchange): void {
  pump(exchange, '');
}

function finishStream(exchange: MockExchange, out: string): void {
  const parts = exchange.parts;
  if (parts === undefined) return;
  if (exchange.cutAt < 0) {
    exchange.res.end(out + parts.tail);
    exchange.delivered();
  } else if (exchange.cutMode === 'drop') {
    exchange.writeThenDestroy(out);
  } else {
    const nextEvent = parts.content[exchange.next] ?? parts.tail;
    exchange.res.end(out + nextEvent.slice(0, Math.max(1, Math.floor(nextEvent.length / 2))));
  }
  exchange.finish();
}
