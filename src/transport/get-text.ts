import type { Observable } from 'rxjs';
import { collectBody } from './collect-body.js';
import type { HttpPostOptions } from './http-types.js';
import { refuseEncodedBody } from './refuse-encoded-body.js';
import { runExchange, utf8Text } from './run-exchange.js';

/**
 * GETs `options.url` and emits its body as text once (whatever its content type: a JSONL file is served as
 * `application/octet-stream` or `application/binary`), then completes.
 *
 * Cold, cancellable and failing like `postJson`: an HTTP error status fails with what `options.readError` makes of
 * it (else the class `errorFromResponse` picks); a body past `maxResponseBytes` fails with `ResponseTooLargeError`.
 *
 * @param options - URL, headers, dispatcher, timeouts and size cap (`body` and `method` are ignored).
 * @returns A cold Observable of the body text.
 *
 * @example
 * ```ts
 * getText({ url: 'http://127.0.0.1:8080/v1/files/file-1/content', headers: {}, body: undefined, dispatcher: createAgent(),
 *   provider: 'local', timeoutMs: 60_000, maxResponseBytes: 32 << 20 }).subscribe((text) => console.log(text.length));
 * ```
 */
export function getText(options: HttpPostOptions): Observable<string> {
  const { provider, maxResponseBytes } = options;
  return runExchange<string>({ ...options, method: 'GET' }, '*/*', (controls) => {
    if (refuseEncodedBody(controls, provider)) return undefined;
    return collectBody({ limitBytes: maxResponseBytes, overflow: 'fail', provider }, (error, bytes) => {
      if (error !== undefined) {
        controls.fail(error);
        return;
      }
      controls.subscriber.next(utf8Text(bytes));
      controls.complete();
    });
  });
}
