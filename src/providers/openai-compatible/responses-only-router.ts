import { catchError, defer, type Observable, throwError } from 'rxjs';
import { APICallError } from '../../errors/api-call-error.js';
import type { ChatProvider } from '../../model/chat-provider.js';
import type { ProviderRequest } from '../../types.js';
import { readErrorBody } from '../error-body.js';
import { isOpenAIHost } from './openai-provider.js';

/**
 * The 404 sentences with which OpenAI's `/v1/chat/completions` refuses a model that only the Responses API serves:
 * "This model is only supported in v1/responses and not in v1/chat/completions." (recorded body in n8n-io/n8n#18352)
 * and "This is not a chat model and thus not supported in the v1/chat/completions endpoint…" (recorded body in
 * Chanzhaoyu/chatgpt-web#1428; sent for newer -pro models too, REAL-WORLD.md "OpenAI Responses API").
 */
const RESPONSES_ONLY_REFUSAL = /only supported in v1\/responses|not a chat model/i;

/** Where `openai()` may switch a model on that 404: what decides it. */
export interface ResponsesOnlyRoutingOptions {
  /** The provider id; only `'openai'`. */
  providerId: string;
  /** The resolved base URL; only OpenAI's own host. */
  baseURL: string;
  /** The `api` option as given; an explicit choice is kept. */
  api?: 'chat' | 'responses' | undefined;
}

/**
 * True where `openai()` wraps its Chat Completions adapter in `responsesOnlyRouter`: OpenAI itself
 * (`providerId: 'openai'` on api.openai.com), `api` not given. A compatible server or a gateway may say the same
 * words about a model it serves differently, so elsewhere the 404 is reported as it is.
 *
 * @param options - Provider id, base URL and the `api` option.
 * @returns Whether the 404 switches the model.
 *
 * @example
 * ```ts
 * routesOnResponsesOnly404({ providerId: 'openai', baseURL: 'https://api.openai.com/v1' }); // true
 * ```
 */
export function routesOnResponsesOnly404({ providerId, baseURL, api }: ResponsesOnlyRoutingOptions): boolean {
  return api === undefined && providerId === 'openai' && isOpenAIHost(baseURL);
}

/**
 * Sends each request through Chat Completions until OpenAI answers a model's request with the 404 "This model is
 * only supported in v1/responses…" (or "This is not a chat model…"): that request is re-sent at once through the
 * Responses adapter, inside the same attempt (no retry is spent and nothing counts a failure), and the model's
 * later requests go straight there for the life of this provider. Any other error passes through unchanged;
 * unsubscribing aborts whichever request is open. Requests already in flight when a model switches each make the
 * same detour once.
 *
 * @param chatApi - The Chat Completions adapter (`createOpenAIProvider`).
 * @param responsesApi - The Responses adapter (`createResponsesProvider`), on the same connection pool.
 * @returns A `ChatProvider` that routes by model.
 *
 * @example
 * ```ts
 * const provider = responsesOnlyRouter(createOpenAIProvider(settings), createResponsesProvider(settings));
 * ```
 */
export function responsesOnlyRouter(chatApi: ChatProvider, responsesApi: ChatProvider): ChatProvider {
  const switched = new Set<string>();
  const route = <T>(request: ProviderRequest, call: (provider: ChatProvider) => Observable<T>): Observable<T> =>
    defer(() =>
      switched.has(request.model)
        ? call(responsesApi)
        : call(chatApi).pipe(
            catchError((error: unknown) => {
              if (!isResponsesOnlyRefusal(error)) return throwError(() => error);
              switched.add(request.model);
              return call(responsesApi);
            }),
          ),
    );
  const provider: ChatProvider = {
    id: chatApi.id,
    supportsPrefill: chatApi.supportsPrefill,
    chat: (request) => route(request, (api) => api.chat(request)),
    stream: (request) => route(request, (api) => api.stream(request)),
  };
  if (chatApi.close !== undefined) provider.close = chatApi.close;
  return provider;
}

function isResponsesOnlyRefusal(error: unknown): boolean {
  if (!(error instanceof APICallError) || error.status !== 404) return false;
  const message = readErrorBody(error.body)?.message;
  return message !== undefined && RESPONSES_ONLY_REFUSAL.test(message);
}
