/** Version of a Claude model id, or `undefined` for an id that does not name one in the 4.x+ style. */
function claudeVersion(model: string): { major: number; minor: number } | undefined {
  // `claude-sonnet-4-5`, `claude-haiku-4-5-20251001`, `anthropic.claude-opus-4-6-v1:0`; a date is not a minor version
  // (`claude-sonnet-4-20250514` is 4.0). The older `claude-3-5-haiku-latest` style predates every feature below.
  const match = /claude-(?:opus|sonnet|haiku)-(\d+)(?:-(\d{1,2})(?!\d))?/.exec(model);
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: match[2] === undefined ? 0 : Number(match[2]) };
}

function atLeast45(model: string): boolean {
  const version = claudeVersion(model);
  return version !== undefined && (version.major > 4 || (version.major === 4 && version.minor >= 5));
}

/**
 * True for models with native structured output (`output_config.format`). Anthropic's structured-outputs guide: "generally
 * available on the Claude API and Amazon Bedrock for Claude Opus 4.6, Claude Sonnet 4.6, Claude Sonnet 4.5, Claude Opus
 * 4.5, and Claude Haiku 4.5" (docs.anthropic.com/en/docs/build-with-claude/structured-outputs); later models assumed.
 *
 * @example
 * ```ts
 * hasNativeStructuredOutput('claude-haiku-4-5'); // true
 * ```
 */
export function hasNativeStructuredOutput(model: string): boolean {
  return atLeast45(model);
}

/**
 * True for models that refuse `temperature` and `top_p` in one request: Claude Sonnet 4.5 and later answer 400
 * "`temperature` and `top_p` cannot both be specified for this model. Please use only one." (reported in
 * BerriAI/litellm#15097 for claude-sonnet-4-5-20250929, open-webui#17922, and for Sonnet 4.6 in Vali-98/ChatterUI#564).
 *
 * @example
 * ```ts
 * refusesTemperatureWithTopP('claude-sonnet-4-5'); // true
 * ```
 */
export function refusesTemperatureWithTopP(model: string): boolean {
  return atLeast45(model);
}
