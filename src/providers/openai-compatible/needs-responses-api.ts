/**
 * OpenAI models that answer only on `/v1/responses` (their Chat Completions call is a 404 "This model is only
 * supported in v1/responses and not in v1/chat/completions."): o1-pro, o3-pro, the `-pro` and `-codex` gpt-5.x
 * models, codex and deep-research models (REAL-WORLD.md, "OpenAI Responses API", from recorded traffic). Dated
 * snapshots (`o3-pro-2025-06-10`) match their family.
 */
const RESPONSES_ONLY = /^(?:o1-pro|o3-pro|gpt-5(?:\.\d+)?-(?:pro|codex)|codex-|[a-z0-9.-]*-deep-research)(?:$|-)/i;

/**
 * True for an OpenAI model known to be served only by the Responses API, so that `openai()` picks that API by itself.
 *
 * @param model - The model name, e.g. `gpt-5-pro`.
 * @returns Whether it needs the Responses API.
 *
 * @example
 * ```ts
 * needsResponsesApi('gpt-5-pro'); // true
 * needsResponsesApi('gpt-4o-mini'); // false
 * ```
 */
export function needsResponsesApi(model: string): boolean {
  return RESPONSES_ONLY.test(model);
}
