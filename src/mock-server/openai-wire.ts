import { readOpenAIRequest } from './read-chat-request.js';
import { type ErrorDetailFields, groupPieces, type MockAnswer, type RateSnapshot, repeatToBlock, type StreamParts, type WireFormat } from './wire-format.js';

const ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  402: ['insufficient_quota', 'insufficient_quota'],
  403: ['invalid_request_error', 'permission_denied'],
  404: ['invalid_request_error', 'not_found'],
  405: ['invalid_request_error', 'method_not_allowed'],
  413: ['invalid_request_error', 'request_too_large'],
  429: ['requests', 'rate_limit_exceeded'],
  529: ['server_error', 'overloaded'],
};

/** The OpenAI Chat Completions wire format (`POST /v1/chat/completions`). */
export const openaiWire: WireFormat = {
  provider: 'openai',
  requestIdHeader: 'x-request-id',
  read: readOpenAIRequest,

  completion(answer: MockAnswer): string {
    const { request } = answer;
    const output = answer.pieces.length;
    const tool = toolOf(answer);
    const message =
      tool === undefined || answer.refusal === true
        ? `{"role":"assistant",${messageFields(answer)},"annotations":[]}`
        : `{"role":"assistant","content":null,"tool_calls":[{"id":"${tool.id}","type":"function","function":{"name":${JSON.stringify(tool.name)},` +
          `"arguments":${JSON.stringify(answer.pieces.join(''))}}}],"refusal":null,"annotations":[]}`;
    return (
      `{"id":"${answer.id}","object":"chat.completion","created":${answer.created},"model":${JSON.stringify(answer.model)},` +
      `"choices":[{"index":0,"message":${message},` +
      `"logprobs":null,"finish_reason":"${finishOf(answer)}"}],` +
      `"usage":${usageJson(answer, output)},` +
      `"service_tier":${JSON.stringify(answer.serviceTier)},"system_fingerprint":"fp_mock"}`
    );
  },

  stream(answer: MockAnswer, chunkTokens: number): StreamParts {
    const { request } = answer;
    const usageNull = request.includeUsage ? ',"usage":null' : '';
    const prefix =
      `data: {"id":"${answer.id}","object":"chat.completion.chunk","created":${answer.created},` +
      `"model":${JSON.stringify(answer.model)},"service_tier":${JSON.stringify(answer.serviceTier)},"system_fingerprint":"fp_mock","choices":[{"index":0,"delta":`;
    const suffix = `,"logprobs":null,"finish_reason":null}]${usageNull}}\n\n`;
    const tool = answer.refusal === true ? undefined : toolOf(answer);
    const field = answer.refusal === true ? 'refusal' : 'content';
    const content = groupPieces(answer.pieces, chunkTokens).map((text) =>
      tool === undefined
        ? `${prefix}{"${field}":${JSON.stringify(text)}}${suffix}`
        : `${prefix}{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(text)}}}]}${suffix}`,
    );
    const output = answer.pieces.length;
    let tail = `${prefix}{},"logprobs":null,"finish_reason":"${finishOf(answer)}"}]${usageNull}}\n\n`;
    if (request.includeUsage) {
      tail +=
        `data: {"id":"${answer.id}","object":"chat.completion.chunk","created":${answer.created},` +
        `"model":${JSON.stringify(answer.model)},"service_tier":${JSON.stringify(answer.serviceTier)},"system_fingerprint":"fp_mock","choices":[],` +
        `"usage":${usageJson(answer, output)}}\n\n`;
    }
    tail += 'data: [DONE]\n\n';
    const head =
      answer.refusal === true
        ? `${prefix}{"role":"assistant","content":null,"refusal":""}${suffix}`
        : tool === undefined
          ? `${prefix}{"role":"assistant","content":"","refusal":null}${suffix}`
          : `${prefix}{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${tool.id}","type":"function",` +
            `"function":{"name":${JSON.stringify(tool.name)},"arguments":""}}],"refusal":null}${suffix}`;
    return { head, content, tail };
  },

  errorBody(status: number, message: string, detail?: ErrorDetailFields): string {
    const [statusType, statusCode] = ERROR_TYPES[status] ?? ['server_error', null];
    const type = detail?.type === undefined ? statusType : detail.type;
    const code = detail?.code === undefined ? statusCode : detail.code;
    return `{"error":{"message":${JSON.stringify(message)},"type":${JSON.stringify(type)},"param":${JSON.stringify(detail?.param ?? null)},"code":${JSON.stringify(code)}}}`;
  },

  addRateLimitHeaders(headers: Record<string, string>, snapshot: RateSnapshot): void {
    if (snapshot.requestsLimit !== undefined) {
      headers['x-ratelimit-limit-requests'] = String(snapshot.requestsLimit);
      headers['x-ratelimit-remaining-requests'] = String(snapshot.requestsRemaining);
      headers['x-ratelimit-reset-requests'] = formatDuration(snapshot.requestsResetMs);
    }
    if (snapshot.tokensLimit !== undefined) {
      headers['x-ratelimit-limit-tokens'] = String(snapshot.tokensLimit);
      headers['x-ratelimit-remaining-tokens'] = String(snapshot.tokensRemaining);
      headers['x-ratelimit-reset-tokens'] = formatDuration(snapshot.tokensResetMs);
    }
  },

  malformedJson:
    '{"id":"chatcmpl-malformed","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Re: unterminated',
  malformedStream:
    'data: {"id":"chatcmpl-malformed","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Re: unterminated\n\n',
  endlessStreamHead:
    'data: {"id":"chatcmpl-endless","object":"chat.completion.chunk","created":0,"model":"mock-model","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n',
  endlessStreamBlock: repeatToBlock(
    'data: {"id":"chatcmpl-endless","object":"chat.completion.chunk","created":0,"model":"mock-model","choices":[{"index":0,"delta":{"content":" endless"},"finish_reason":null}]}\n\n',
  ),
};

/**
 * `content` and `refusal` of a completion's message: a refusal has `content: null` and its text in `refusal`, as
 * in openai/openai-node's recorded refusal (tests/lib/ChatCompletionStream.test.ts, "emits refusal logprobs events").
 */
function messageFields(answer: MockAnswer): string {
  const text = JSON.stringify(answer.pieces.join(''));
  return answer.refusal === true ? `"content":null,"refusal":${text}` : `"content":${text},"refusal":null`;
}

/** The forced tool this answer calls, if any. */
function toolOf(answer: MockAnswer): { id: string; name: string } | undefined {
  const output = answer.request.output;
  return output.kind === 'tool' ? { id: `call_${answer.toolId.replace(/^toolu_/, '')}`, name: output.name } : undefined;
}

/** `tool_calls` for a forced tool answered in full, else `stop` / `length`. */
function finishOf(answer: MockAnswer): string {
  return answer.request.output.kind === 'tool' && answer.finish === 'stop' ? 'tool_calls' : answer.finish;
}

/** OpenAI's reset format: `250ms`, `1.5s`, `6m0s`. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  if (ms < 60_000) return `${Math.round(ms / 10) / 100}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${Math.round((ms - minutes * 60_000) / 10) / 100}s`;
}

/** The `usage` object as OpenAI sends it: the cached tokens are a part of `prompt_tokens`. */
function usageJson(answer: MockAnswer, output: number): string {
  const input = answer.request.inputTokens;
  return (
    `{"prompt_tokens":${input},"completion_tokens":${output},"total_tokens":${input + output},` +
    `"prompt_tokens_details":{"cached_tokens":${answer.cachedTokens},"audio_tokens":0},` +
    '"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}'
  );
}
