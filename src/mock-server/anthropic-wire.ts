import { readAnthropicRequest } from './read-chat-request.js';
import { groupPieces, type MockAnswer, type RateSnapshot, repeatToBlock, type StreamParts, type WireFormat } from './wire-format.js';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** The Anthropic Messages wire format (`POST /v1/messages`). */
export const anthropicWire: WireFormat = {
  provider: 'anthropic',
  requestIdHeader: 'request-id',
  read: readAnthropicRequest,

  completion(answer: MockAnswer): string {
    const { request } = answer;
    const text = answer.pieces.join('');
    const block =
      request.output.kind === 'tool' && answer.refusal !== true
        ? `{"type":"tool_use","id":"${answer.toolId}","name":${JSON.stringify(request.output.name)},"input":${answer.finish === 'stop' && text !== '' ? text : '{}'}}`
        : `{"type":"text","text":${JSON.stringify(text)}}`;
    return (
      `{"id":"${answer.id}","type":"message","role":"assistant","model":${JSON.stringify(answer.model)},"content":[${block}],` +
      `"stop_reason":"${stopReason(answer)}","stop_sequence":${stopSequenceJson(answer)},${stopDetails(answer)}` +
      `"usage":{${inputUsage(answer)},"output_tokens":${answer.pieces.length}}}`
    );
  },

  stream(answer: MockAnswer, chunkTokens: number): StreamParts {
    const { request } = answer;
    const tool = request.output.kind === 'tool' && answer.refusal !== true;
    const startBlock = tool
      ? `{"type":"tool_use","id":"${answer.toolId}","name":${JSON.stringify(request.output.kind === 'tool' ? request.output.name : '')},"input":{}}`
      : '{"type":"text","text":""}';
    const head =
      `event: message_start\ndata: {"type":"message_start","message":{"id":"${answer.id}","type":"message","role":"assistant",` +
      `"model":${JSON.stringify(answer.model)},"content":[],"stop_reason":null,"stop_sequence":null,` +
      `"usage":{${inputUsage(answer)},"output_tokens":1}}}\n\n` +
      `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":${startBlock}}\n\n` +
      'event: ping\ndata: {"type": "ping"}\n\n';
    const deltaPrefix = tool
      ? 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":'
      : 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":';
    const content = groupPieces(answer.pieces, chunkTokens).map((text) => `${deltaPrefix}${JSON.stringify(text)}}}\n\n`);
    const tail =
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
      `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"${stopReason(answer)}","stop_sequence":${stopSequenceJson(answer)}${answer.refusal === true ? `,${stopDetails(answer).slice(0, -1)}` : ''}},` +
      `"usage":{"output_tokens":${answer.pieces.length}}}\n\n` +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    return { head, content, tail };
  },

  errorBody(status: number, message: string): string {
    return `{"type":"error","error":{"type":"${ERROR_TYPES[status] ?? 'api_error'}","message":${JSON.stringify(message)}}}`;
  },

  addRateLimitHeaders(headers: Record<string, string>, snapshot: RateSnapshot): void {
    const now = Date.now();
    if (snapshot.requestsLimit !== undefined) {
      headers['anthropic-ratelimit-requests-limit'] = String(snapshot.requestsLimit);
      headers['anthropic-ratelimit-requests-remaining'] = String(snapshot.requestsRemaining);
      headers['anthropic-ratelimit-requests-reset'] = new Date(now + snapshot.requestsResetMs).toISOString();
    }
    if (snapshot.tokensLimit !== undefined) {
      headers['anthropic-ratelimit-tokens-limit'] = String(snapshot.tokensLimit);
      headers['anthropic-ratelimit-tokens-remaining'] = String(snapshot.tokensRemaining);
      headers['anthropic-ratelimit-tokens-reset'] = new Date(now + snapshot.tokensResetMs).toISOString();
    }
  },

  malformedJson: '{"id":"msg_malformed","type":"message","role":"assistant","content":[{"type":"text","text":"Re: unterminated',
  malformedStream: 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_malformed","type":"message"\n\n',
  endlessStreamHead:
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_endless","type":"message","role":"assistant","model":"mock-model","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n' +
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  endlessStreamBlock: repeatToBlock(
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" endless"}}\n\n',
  ),
};

function stopSequenceJson(answer: MockAnswer): string {
  return answer.stopSequence === undefined ? 'null' : JSON.stringify(answer.stopSequence);
}

function stopReason(answer: MockAnswer): string {
  if (answer.refusal === true) return 'refusal';
  if (answer.finish === 'length') return 'max_tokens';
  if (answer.stopSequence !== undefined) return 'stop_sequence';
  return answer.request.output.kind === 'tool' ? 'tool_use' : 'end_turn';
}

/**
 * `"stop_details":…,` of a message: a refusal's details, shaped as in anthropics/anthropic-sdk-typescript
 * (tests/fixtures/fable-fallback/stream-a-refusal.sse: `{"type":"refusal","category":null,"explanation":null}`).
 */
function stopDetails(answer: MockAnswer): string {
  return answer.refusal === true ? '"stop_details":{"type":"refusal","category":null,"explanation":null},' : '"stop_details":null,';
}

/** The input side of Anthropic's `usage`: `input_tokens` leaves out the cache reads, reported beside it. */
function inputUsage(answer: MockAnswer): string {
  return (
    `"input_tokens":${answer.request.inputTokens - answer.cachedTokens},` +
    `"cache_creation_input_tokens":0,"cache_read_input_tokens":${answer.cachedTokens},"service_tier":${JSON.stringify(answer.serviceTier)}`
  );
}
