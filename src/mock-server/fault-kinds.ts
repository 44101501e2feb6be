/**
 * Every fault the mock server can inject, by the name used in `faults` and in the `x-mock-fault` header.
 *
 * - `400`, `401`, `402`, `403`, `500`, `502`, `503`, `504`, `529`: that status with the provider's error body
 *   (`402` says `insufficient_quota` / `billing_error`; `529` is Anthropic's `overloaded_error`).
 * - `429`: rate-limit error with `retry-after-ms` and `retry-after`; `429-no-retry-after`: the same without them.
 * - `reset`: the socket is destroyed before any response byte.
 * - `hang`: no answer at all until the client gives up.
 * - `midstream-drop`: a stream is cut (socket destroyed) after some content chunks; a JSON body is cut halfway.
 * - `malformed-json`: a 200 whose JSON (or, for streams, whose first event's data) does not parse.
 * - `malformed-sse`: a 200 `text/event-stream` body of garbage lines with no valid event and no terminator.
 * - `truncated-body`: JSON: `content-length` promises more than is sent before the socket ends;
 *   streams: the body ends cleanly in the middle of an event, without the final events.
 * - `wrong-content-type`: a 200 `text/html` page instead of the protocol.
 * - `html-error`: a 502 with an nginx-style HTML page.
 * - `insufficient-quota`: OpenAI's real out-of-credit answer, a 429 of type and code `insufficient_quota` (Anthropic:
 *   its 400 `invalid_request_error` "Your credit balance is too low…"). Fatal for rxllm, unlike a plain `429`.
 * - `groq-429`: Groq's rate-limit 429 (type `tokens`, code `rate_limit_exceeded`, its message ending with a link to
 *   the billing page). Retryable.
 * - `gateway-error`: a LiteLLM-style proxy error framed as a server-sent event (`data: {"error": {…, "code": "429"}}`)
 *   on a 429 `text/event-stream` response, with `llm_provider-x-request-id` and `x-litellm-call-id` headers.
 * - `stream-error-event`: a 200 whose stream carries an error event instead of the answer (OpenAI-compatible:
 *   `data: {"error": …}` then `[DONE]`; Responses: the recorded overload, `error` after `response.in_progress`, then
 *   `response.failed`; Anthropic: `event: error`, `overloaded_error`); a JSON request gets a 200 error envelope
 *   (Responses: a `response` whose `status` is `failed`).
 * - `endless-body`: a 200 whose body never ends (stops when the client disconnects or after `endlessBodyMaxBytes`).
 * - `refusal`: a 200 in which the model refuses, in the provider's shape: OpenAI `message.refusal` (streams:
 *   `delta.refusal`) with `content: null`, Anthropic `stop_reason: "refusal"` with `stop_details` (no tool call even
 *   when one was forced). The one fault that counts as a delivery: the answer is complete.
 *
 * Other faults are never counted as deliveries. `401`, `402`, `403` and `insufficient-quota` are fatal for rxllm (they
 * stop a batch).
 *
 * @example
 * ```ts
 * import { FAULT_KINDS, startMockServer } from 'rxllm/testing';
 * const server = await startMockServer();
 * for (const kind of FAULT_KINDS) {
 *   const response = await fetch(`${server.openaiBaseURL}/chat/completions`, {
 *     method: 'POST',
 *     headers: { 'content-type': 'application/json', 'x-mock-fault': kind === 'hang' ? 'none' : kind },
 *     body: JSON.stringify({ model: 'mock-model', messages: [{ role: 'user', content: 'Hi' }] }),
 *   }).catch((error: Error) => error);
 *   console.log(kind, response instanceof Error ? response.message : response.status);
 * }
 * await server.close();
 * ```
 */
export const FAULT_KINDS = [
  '400',
  '401',
  '402',
  '403',
  '429',
  '429-no-retry-after',
  '500',
  '502',
  '503',
  '504',
  '529',
  'reset',
  'hang',
  'midstream-drop',
  'malformed-json',
  'malformed-sse',
  'truncated-body',
  'wrong-content-type',
  'html-error',
  'endless-body',
  'insufficient-quota',
  'groq-429',
  'gateway-error',
  'stream-error-event',
  'refusal',
] as const;

/**
 * One fault the mock server can inject. See `FAULT_KINDS`.
 *
 * @example
 * ```ts
 * import { startMockServer, type FaultKind } from 'rxllm/testing';
 * const kind: FaultKind = 'midstream-drop';
 * const server = await startMockServer({ faults: { [kind]: 0.1 } });
 * await server.close();
 * ```
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The retryable faults `--fail-rate` spreads its rate across, evenly. */
export const COMMON_RETRYABLE_FAULTS: readonly FaultKind[] = ['500', '502', '503', '429', 'reset'];

const KIND_SET: ReadonlySet<string> = new Set(FAULT_KINDS);

/** True when `value` names a fault kind. */
export function isFaultKind(value: string): value is FaultKind {
  return KIND_SET.has(value);
}
