import type { ChatChunk, ChatResponse } from '../../types.js';

/**
 * The `ChatResponse` a finished stream amounts to: its chunks' text joined, the last finish reason and usage given
 * (zero usage when none was), the first model and request id given (`model` when none was), the last service tier given, no `raw` body.
 */
export function responseOfChunks(chunks: readonly ChatChunk[], model: string): ChatResponse {
  let text = '';
  let finishReason: string | null = null;
  let usage: ChatResponse['usage'] | undefined;
  let served: string | undefined;
  let requestId: string | undefined;
  let serviceTier: string | undefined;
  for (const chunk of chunks) {
    text += chunk.text;
    finishReason = chunk.finishReason ?? finishReason;
    usage = chunk.usage ?? usage;
    served ??= chunk.model;
    requestId ??= chunk.requestId;
    serviceTier = chunk.serviceTier ?? serviceTier;
  }
  const response: ChatResponse = { text, finishReason, usage: usage ?? { inputTokens: 0, outputTokens: 0 }, model: served ?? model, raw: undefined };
  if (requestId !== undefined) response.requestId = requestId;
  if (serviceTier !== undefined) response.serviceTier = serviceTier;
  return response;
}
