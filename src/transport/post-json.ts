import type { Observable } from 'rxjs';
import { APIConnectionError, ResponseTooLargeError } from '../errors/llm-error.js';
import { redactSecrets } from '../errors/redact-secrets.js';
import { collectBody } from './collect-body.js';
import { lowerCaseHeader } from './header-value.js';
import type { HttpPostOptions, JsonResponse } from './http-types.js';
import { refuseEncodedBody } from './refuse-encoded-body.js';
import { readUnexpectedBody } from './read-unexpected-body.js';
import { runExchange, utf8Text, whereOf } from './run-exchange.js';

/**
 * POSTs `options.body` as JSON and emits the parsed JSON answer once, then completes.
 *
 * Cold: nothing is sent before subscription; unsubscribing (or `options.signal`) aborts the socket at once.
 * `options.timeoutMs` bounds the whole exchange, from sending to the last body byte (`APITimeoutError`, phase
 * `'request'`); the agent's connect timeout gives phase `'connect'`. Socket failures are `APIConnectionError`s
 * (with the undici error as `cause`); an HTTP error status, and a 2xx served as something else than JSON (say
 * `text/html`, or an event stream holding a gateway's error), fail with what `options.readError` makes of the body,
 * else an error status with the class `errorFromResponse` picks for it; a body past `maxResponseBytes` is cut off
 * with `ResponseTooLargeError`; a 2xx body that is not JSON (cut off or garbled) is a retryable `APIConnectionError` (code `malformed_body`). All failures arrive as `LlmError`s on the Observable.
 *
 * With `project`, the answer is mapped before it is emitted (what `.pipe(map(project))` does, without an operator
 * layer per request); an error `project` throws fails the Observable (an `LlmError` as it is, anything else mapped
 * like a transport error).
 *
 * @param options - URL, headers, body, dispatcher, timeouts and size cap.
 * @param project - Maps the parsed answer to the value emitted.
 * @returns A cold Observable of one `JsonResponse` (or of what `project` returns).
 *
 * @example
 * ```ts
 * const agent = createAgent();
 * postJson({ url: 'http://127.0.0.1:8080/v1/chat/completions', headers: {}, body: { model: 'm', messages: [] },
 *   dispatcher: agent, provider: 'local', timeoutMs: 60_000, maxResponseBytes: 32 << 20 })
 *   .subscribe((response) => console.log(response.status, response.body));
 * ```
 */
export function postJson(options: HttpPostOptions): Observable<JsonResponse>;
export function postJson<T>(options: HttpPostOptions, project: (response: JsonResponse) => T): Observable<T>;
export function postJson<T>(options: HttpPostOptions, project?: (response: JsonResponse) => T): Observable<T | JsonResponse> {
  const { provider, maxResponseBytes } = options;
  return runExchange<T | JsonResponse>(options, 'application/json', (controls) => {
    const { meta } = controls;
    if (refuseEncodedBody(controls, provider)) return undefined;
    const contentType = lowerCaseHeader(meta.headers, 'content-type');
    if (contentType !== undefined && !/\bjson\b/i.test(contentType)) return readUnexpectedBody(contentType, 'JSON', options, controls);
    const declaredLength = Number(lowerCaseHeader(meta.headers, 'content-length'));
    if (Number.isFinite(declaredLength) && declaredLength > maxResponseBytes) {
      controls.fail(new ResponseTooLargeError(maxResponseBytes, whereOf(provider, meta)));
      return undefined;
    }
    return collectBody({ limitBytes: maxResponseBytes, overflow: 'fail', provider }, (error, bytes) => {
      if (error !== undefined) {
        controls.fail(error);
        return;
      }
      const text = utf8Text(bytes);
      let body: unknown;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // no `cause`: the SyntaxError quotes the body verbatim, and a body may echo secrets we do not know
        // a cut-off or garbled body is a transport glitch: retried like a dropped connection (SPEC, Retries)
        controls.fail(
          new APIConnectionError(`${provider} answered ${meta.status} with a body that is not valid JSON: ${preview(text)}`, {
            ...whereOf(provider, meta),
            code: 'malformed_body',
          }),
        );
        return;
      }
      const answer: JsonResponse = { status: meta.status, headers: meta.headers, body };
      if (meta.requestId !== undefined) answer.requestId = meta.requestId;
      if (meta.rateLimit !== undefined) answer.rateLimit = meta.rateLimit;
      let value: T | JsonResponse;
      try {
        value = project === undefined ? answer : project(answer);
      } catch (projectError) {
        controls.fail(projectError);
        return;
      }
      controls.subscriber.next(value);
      controls.complete();
    });
  });
}

/**
 * The start of a body as a quoted string, for error messages, with known secrets redacted before it is cut.
 *
 * @example
 * ```ts
 * preview('<html>…'); // '"<html>…"'
 * ```
 */
export function preview(text: string, max = 120): string {
  // Redact before cutting: a cut through an echoed key would leave a piece that `LlmError` cannot recognise.
  const clean = redactSecrets(text);
  return JSON.stringify(clean.length <= max ? clean : `${clean.slice(0, max)}…`);
}
