import { type Observable, throwError } from 'rxjs';
import { customModel, type CustomModelOptions } from '../../src/model/custom-model.js';
import type { ChatModel, ChatProvider } from '../../src/model/chat-provider.js';
import type { ProviderRequest } from '../../src/types.js';
import type { ChatChunk, ChatResponse, Usage } from '../../src/types.js';

/** Scripts a fake provider: each call returns whatever the function gives (typically a `cold()` marble). */
export interface FakeProviderOptions {
  id?: string;
  chat?: (request: ProviderRequest, call: number) => Observable<ChatResponse>;
  stream?: (request: ProviderRequest, call: number) => Observable<ChatChunk>;
  supportsPrefill?: boolean;
}

/** A `ChatProvider` whose calls are scripted; `requests` records every request it was asked to send. */
export interface FakeProvider extends ChatProvider {
  readonly requests: ProviderRequest[];
}

/** Makes a fake provider. Unscripted methods error. */
export function fakeProvider(options: FakeProviderOptions = {}): FakeProvider {
  const requests: ProviderRequest[] = [];
  const unscripted = (what: string) => () => throwError(() => new Error(`fake provider: no ${what} scripted`));
  const chat = options.chat ?? unscripted('chat');
  const stream = options.stream ?? unscripted('stream');
  return {
    id: options.id ?? 'fake',
    supportsPrefill: options.supportsPrefill ?? false,
    requests,
    chat: (request) => chat(request, requests.push(request) - 1),
    stream: (request) => stream(request, requests.push(request) - 1),
  };
}

/** A `ChatModel` over a fake provider. */
export function fakeModel(options: FakeProviderOptions = {}, settings: Partial<CustomModelOptions> = {}): { model: ChatModel; provider: FakeProvider } {
  const provider = fakeProvider(options);
  return { provider, model: customModel(provider, { model: 'fake-model', ...settings }) };
}

/** A `ChatResponse` with the given text. */
export function reply(text: string, usage: Usage = { inputTokens: 10, outputTokens: 5 }, extra: Partial<ChatResponse> = {}): ChatResponse {
  return { text, finishReason: 'stop', usage, model: 'fake-model', raw: { text }, ...extra };
}

/** A `ChatChunk` with the given text. */
export function chunk(text: string, extra: Partial<ChatChunk> = {}): ChatChunk {
  return { text, ...extra };
}

/** The content of a request's last user message: how scripts tell prompts apart. */
export function promptOf(request: ProviderRequest): string {
  const users = request.messages.filter((message) => message.role === 'user');
  const content = users.at(-1)?.content ?? '';
  return typeof content === 'string' ? content : content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}
