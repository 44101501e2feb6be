/**
 * Where gateways put the request id they did not pass on under its own name: LiteLLM forwards the provider's
 * headers with an `llm_provider-` prefix (BerriAI/litellm#22341: `llm_provider-x-request-id`) and adds its own
 * `x-litellm-call-id` (BerriAI/litellm#16534). The provider's id comes first: it is the one its support asks for.
 */
const GATEWAY_REQUEST_ID_HEADERS = ['llm_provider-x-request-id', 'llm_provider-request-id', 'x-litellm-call-id'];

/**
 * The request id a gateway sent under another name, from lower-cased response headers.
 *
 * @param headers - The response's headers, names lower-cased.
 * @returns The id, or `undefined`.
 *
 * @example
 * ```ts
 * gatewayRequestId({ 'x-litellm-call-id': '9acfdfee' }); // '9acfdfee'
 * ```
 */
export function gatewayRequestId(headers: Readonly<Record<string, string>>): string | undefined {
  for (const name of GATEWAY_REQUEST_ID_HEADERS) {
    const value = headers[name]?.trim();
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}
