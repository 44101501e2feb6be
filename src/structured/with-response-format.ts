import type { Prompt } from '../types.js';
import { hasItemShape, isPromptItem, itemTagOf, retag } from '../internal/item-tag.js';
import type { StructuredOutput } from './structured-output.js';

/**
 * `prompt` with the schema's `responseFormat` added, an item keeping its `id` and `meta`; an invalid prompt comes back
 * unchanged, for the run to report with its `InvalidOptionsError`.
 */
export function withResponseFormat(prompt: Prompt, output: StructuredOutput<unknown>): Prompt {
  return isPrompt(prompt) ? retag(output.apply(prompt), itemTagOf(prompt)) : prompt;
}

function isPrompt(value: unknown): value is Prompt {
  if (typeof value === 'string' || Array.isArray(value)) return true;
  if (isPromptItem(value)) return hasItemShape(value);
  return typeof value === 'object' && value !== null && Array.isArray((value as { messages?: unknown }).messages);
}
