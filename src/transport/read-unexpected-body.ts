import { ResponseValidationError } from '../errors/llm-error.js';
import { type BodyReader, collectBody } from './collect-body.js';
import type { HttpPostOptions } from './http-types.js';
import { cutBodyText, type ExchangeControls, parseJsonOrText, readFailure, whereOf } from './run-exchange.js';

/** Most bytes of an unexpected 2xx body read for the adapter's `readError`. */
const UNEXPECTED_BODY_LIMIT = 64 * 1024;

/**
 * Reads a 2xx body of the wrong content type (up to 64 KiB) and fails the exchange with what the adapter's
 * `readError` makes of it (a gateway's error envelope, JSON or framed as server-sent events), else with a
 * `ResponseValidationError` naming the content type and the one expected.
 *
 * @param contentType - The response's content type (`''` when it sent none).
 * @param expected - The content type asked for, for the message.
 * @param options - The request, with its `readError`.
 * @param controls - The exchange.
 * @returns The body reader.
 *
 * @example
 * ```ts
 * if (!isEventStream(contentType)) return readUnexpectedBody(contentType, 'text/event-stream', options, controls);
 * ```
 */
export function readUnexpectedBody<T>(contentType: string, expected: string, options: HttpPostOptions, controls: ExchangeControls<T>): BodyReader {
  const { provider } = options;
  const { meta } = controls;
  const limitBytes = Math.min(options.maxResponseBytes, UNEXPECTED_BODY_LIMIT);
  return collectBody({ limitBytes, overflow: 'truncate', provider }, (_error, bytes, cut) => {
    let error: unknown;
    try {
      error = readFailure(options, meta, parseJsonOrText(cutBodyText(bytes, cut)));
    } catch (thrown) {
      error = thrown;
    }
    const shown = contentType === '' ? 'no content-type' : `content-type ${contentType}`;
    controls.fail(error ?? new ResponseValidationError(`${provider} answered ${meta.status} with ${shown}, expected ${expected}.`, whereOf(provider, meta)));
  });
}
