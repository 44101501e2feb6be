import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Agent, request } from 'undici';

/** A plain HTTP client for the mock server specs: one undici Agent per spec file, closed in `afterAll`. */
export interface MockClient {
  post(url: string, body: unknown, headers?: Record<string, string>, timeouts?: { headersTimeout?: number }): Promise<MockReply>;
  get(url: string): Promise<MockReply>;
  /** Like `post`, but keeps what arrived when the body (or the request) fails, with the error. */
  collect(url: string, body: unknown, headers?: Record<string, string>): Promise<CollectedReply>;
  close(): Promise<void>;
}

export interface MockReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface CollectedReply {
  status: number | undefined;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  error: (Error & { code?: string }) | undefined;
}

export function createMockClient(): MockClient {
  const agent = new Agent({ connections: 256 });
  return {
    async post(url, body, headers = {}, timeouts = {}) {
      const response = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...(timeouts.headersTimeout === undefined ? {} : { headersTimeout: timeouts.headersTimeout }),
      });
      return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
    },
    async get(url) {
      const response = await request(url, { dispatcher: agent });
      return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
    },
    async collect(url, body, headers = {}) {
      const reply: CollectedReply = { status: undefined, headers: {}, text: '', error: undefined };
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
        reply.status = response.statusCode;
        reply.headers = response.headers;
        response.body.setEncoding('utf8');
        for await (const chunk of response.body) reply.text += chunk as string;
      } catch (error) {
        reply.error = error as Error;
      }
      return reply;
    },
    close: () => agent.close(),
  };
}

/** Parses a complete SSE body into its events. */
export function parseSse(text: string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(text);
  return events;
}

export const openaiBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-test',
  messages: [{ role: 'user', content }],
  ...extra,
});

export const anthropicBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'claude-test',
  max_tokens: 256,
  messages: [{ role: 'user', content }],
  ...extra,
});
