/**
 * OpenAI's reasoning models, which answer 400 "Unsupported parameter" to `temperature` and `top_p`: the o-series
 * (o1, o3, o4-mini and their -mini / -pro / dated / deep-research variants), gpt-5 and gpt-5.x with their -mini,
 * -nano, -pro and -codex variants, and codex models (REAL-WORLD.md, "OpenAI Responses API", from recorded traffic).
 * The `-chat` gpt-5 models (`gpt-5-chat-latest`) are not reasoning models and keep both.
 */
const REASONING_MODEL = /^(?:o\d+(?:$|-)|gpt-5(?:\.\d+)?(?:$|-(?!chat(?:$|-)))|codex-|[a-z0-9.-]*-deep-research(?:$|-))/i;

/**
 * True for an OpenAI reasoning model that refuses `temperature` and `top_p`, so the adapter leaves both out of its
 * requests (silently: such a model does not sample with them, so a factory-level `temperature: 0` loses nothing).
 *
 * @param model - The model name, e.g. `gpt-5-mini`.
 * @returns Whether the model rejects the sampling parameters.
 *
 * @example
 * ```ts
 * rejectsSamplingParams('o4-mini'); // true
 * rejectsSamplingParams('gpt-4.1'); // false
 * ```
 */
export function rejectsSamplingParams(model: string): boolean {
  return REASONING_MODEL.test(model);
}
