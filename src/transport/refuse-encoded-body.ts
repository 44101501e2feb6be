import { ResponseValidationError } from '../errors/llm-error.js';
import { lowerCaseHeader } from './header-value.js';
import type { ExchangeControls } from './run-exchange.js';
import { whereOf } from './run-exchange.js';

/**
 * Fails the exchange when a 2xx body is compressed (`content-encoding` other than `identity`): rxllm sends no
 * `accept-encoding` and decodes nothing, so the bytes would only make a "not valid JSON" error with a binary
 * preview. The error names the encoding instead; it is a `ResponseValidationError` (the server broke the protocol),
 * not retried.
 *
 * @param controls - The exchange, its response head known.
 * @param provider - Provider id, named in the error.
 * @returns `true` when the exchange was failed (read no body then).
 *
 * @example
 * ```ts
 * if (refuseEncodedBody(controls, provider)) return undefined;
 * ```
 */
export function refuseEncodedBody<T>(controls: ExchangeControls<T>, provider: string): boolean {
  const { meta } = controls;
  const encoding = lowerCaseHeader(meta.headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') return false;
  // The header's value is the server's words: keep it short and printable.
  const shown = encoding.replace(/[^a-z0-9,._ -]/g, '?').slice(0, 40);
  controls.fail(new ResponseValidationError(`${provider} answered ${meta.status} with content-encoding ${shown}, which rxllm did not ask for and does not decode.`, whereOf(provider, meta)));
  return true;
}
