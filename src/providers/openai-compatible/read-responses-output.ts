import type { ResponsesBody } from './responses-schemas.js';

/** What a `response` object says: its answer text and why it ended. */
export interface ResponsesOutput {
  /** The `output_text` parts of its message items, joined; or the refusal's text. */
  text: string;
  finishReason: string | null;
}

/**
 * Reads a `response` object's answer. Text comes from the `output_text` parts of `message` items only (a `reasoning`
 * item's summary is not the answer). A `refusal` part (the API has no refusal status) gives `finishReason: 'refusal'`
 * with the refusal as text. Otherwise the finish reason comes from `status`: `completed` → `stop`, `incomplete` →
 * `length` for `max_output_tokens` and `content_filter` for `content_filter` (another reason is kept as it is); any
 * other status gives `null`. An incomplete response with only a reasoning item is empty text and `length`, not an error.
 *
 * @param body - A parsed `response` object.
 * @returns Its text and finish reason.
 *
 * @example
 * ```ts
 * readResponsesOutput({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ type: 'reasoning' }] });
 * // { text: '', finishReason: 'length' }
 * ```
 */
export function readResponsesOutput(body: ResponsesBody): ResponsesOutput {
  let text = '';
  let refusal: string | undefined;
  for (const item of body.output) {
    if (item.type !== 'message' || item.content == null) continue;
    for (const part of item.content) {
      if (part.type === 'output_text') text += part.text ?? '';
      else if (part.type === 'refusal') refusal = (refusal ?? '') + (part.refusal ?? '');
    }
  }
  if (refusal !== undefined) return { text: refusal, finishReason: 'refusal' };
  return { text, finishReason: finishReasonOf(body) };
}

/**
 * The finish reason a `response` object's status gives (see `readResponsesOutput`).
 *
 * @example
 * ```ts
 * finishReasonOf({ status: 'completed', output: [] }); // 'stop'
 * ```
 */
export function finishReasonOf(body: Pick<ResponsesBody, 'status' | 'incomplete_details'>): string | null {
  if (body.status === 'completed') return 'stop';
  if (body.status !== 'incomplete') return null;
  const reason = body.incomplete_details?.reason;
  if (reason === 'max_output_tokens') return 'length';
  return reason ?? 'length';
}
