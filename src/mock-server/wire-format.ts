import type { MockChatRequest } from './read-chat-request.js';

/** Everything needed to write one successful answer. */
export interface MockAnswer {
  /** `chatcmpl-…` or `msg_…`. */
  id: string;
  model: string;
  /** Unix seconds. */
  created: number;
  request: MockChatRequest;
  /** Token pieces of the content: text, JSON text, or a tool's input JSON. */
  pieces: string[];
  /** `length` when `max_tokens` cut the answer. */
  finish: 'stop' | 'length';
  /** The stop sequence the answer ended before, if any. */
  stopSequence?: string;
  /** Id of the tool-use block (Anthropic forced tools). */
  toolId: string;
  /** The pieces are a refusal (the `refusal` fault). */
  refusal?: boolean;
  /** The part of `request.inputTokens` reported as a prompt-cache read. */
  cachedTokens: number;
  /** The tier that serves it, in the wire's word (OpenAI `service_tier`, Anthropic `usage.service_tier`). */
  serviceTier: string;
}

/** A stream body in three parts, so that faults can cut it between content events. */
export interface StreamParts {
  /** Events before the first content delta (OpenAI role chunk; Anthropic message_start, content_block_start, ping). */
  head: string;
  /** One event per chunk of `chunkTokens` pieces. */
  content: string[];
  /** Events after the content (finish, usage, `[DONE]` / message_stop). */
  tail: string;
}

/** What an OpenAI-style error envelope says besides its message. */
export interface ErrorDetailFields {
  type?: string | null;
  code?: string | null;
  param?: string | null;
}

/** Rate-limit state to report in response headers. */
export interface RateSnapshot {
  requestsLimit: number | undefined;
  requestsRemaining: number;
  requestsResetMs: number;
  tokensLimit: number | undefined;
  tokensRemaining: number;
  tokensResetMs: number;
}

/** One provider's wire format: bodies, events, error shapes and header names. */
export interface WireFormat {
  readonly provider: 'openai' | 'anthropic';
  /** `x-request-id` (OpenAI) or `request-id` (Anthropic). */
  readonly requestIdHeader: string;
  /** Reads a parsed request body; a string is the message of a 400. */
  read(body: unknown): MockChatRequest | string;
  /** The JSON body of a complete answer. */
  completion(answer: MockAnswer): string;
  /** The SSE events of a streamed answer. */
  stream(answer: MockAnswer, chunkTokens: number): StreamParts;
  /** An error body in the provider's shape. */
  /** An error body; `detail` sets OpenAI's `type`, `code` and `param` (other wires ignore it). */
  errorBody(status: number, message: string, detail?: ErrorDetailFields): string;
  /** The `stream-error-event` fault's body, for a wire whose error event has its own shape (Responses). */
  errorEvent?(model: string, stream: boolean): string;
  /** Adds the provider's rate-limit headers. */
  addRateLimitHeaders(headers: Record<string, string>, snapshot: RateSnapshot): void;
  /** A 200 JSON body that does not parse. */
  readonly malformedJson: string;
  /** A stream whose first event's data does not parse. */
  readonly malformedStream: string;
  /** The start of an endless stream, and the block of events repeated after it. */
  readonly endlessStreamHead: string;
  readonly endlessStreamBlock: Buffer;
}

/** Groups `pieces` into chunks of `size`, each joined. */
export function groupPieces(pieces: string[], size: number): string[] {
  if (size === 1) return pieces;
  const groups: string[] = [];
  for (let index = 0; index < pieces.length; index += size) groups.push(pieces.slice(index, index + size).join(''));
  return groups;
}

/** Repeats `text` until the block is at least 64 KiB. */
export function repeatToBlock(text: string): Buffer {
  return Buffer.from(text.repeat(Math.ceil(65_536 / text.length)));
}
