import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors/llm-error.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { chatModel } from '../../src/providers/chat-model-router.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { type LocalServer, respond, startLocalServer } from '../support/local-server.js';
import { apiKeyArbitrary, echoHandler, echoScriptArbitrary, errorSurfaces, leaksIn } from '../support/reliability-secrets.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());

type Client = 'openai' | 'openai-header' | 'anthropic';

function modelFor(client: Client, key: string): ChatModel {
  const common = { model: 'm', maxRetries: 0, timeout: 5_000 };
  if (client === 'openai') return openai({ ...common, baseURL: server.baseURL, apiKey: key });
  // A key in a custom header (OpenRouter-style gateways, Azure's `api-key`) is a secret too.
  if (client === 'openai-header') return openai({ ...common, baseURL: server.baseURL, apiKey: '', headers: { 'x-api-key': key } });
  return anthropic({ ...common, baseURL: server.url, apiKey: key });
}

describe('secrets: an API key never leaks through an error (property, seeded)', () => {
  it('for every error path, including servers that echo the request headers back, no 12-character piece of the key appears', async () => {
    let failures = 0;
    await fc.assert(
      fc.asyncProperty(
        apiKeyArbitrary,
        fc.constantFrom<Client>('openai', 'openai-header', 'anthropic'),
        fc.constantFrom<'chat' | 'stream'>('chat', 'stream'),
        echoScriptArbitrary,
        async (key, client, mode, script) => {
          server.handle(echoHandler(script));
          const model = modelFor(client, key);
          try {
            const call = mode === 'chat' ? model.chat('Hello') : model.stream('Hello');
            const error = await lastValueFrom(call.pipe(toArray())).then(
              () => undefined,
              (reason: unknown) => reason,
            );
            // Every script is an error of some kind: the call must fail, with an rxllm error.
            expect(isLlmError(error)).toBe(true);
            failures += 1;
            expect(leaksIn(errorSurfaces(error), key)).toEqual([]);
          } finally {
            await model.provider.close?.();
          }
        },
      ),
      { seed: 7_301, numRuns: 160 },
    );
    expect(failures).toBe(160);
  }, 90_000);

  it('the server really does receive the key (so the property above is not vacuous)', async () => {
    const key = 'sk-test-abcdefghijklmnopqrstuvwx';
    let seen: unknown;
    server.handle((exchange) => {
      seen = [exchange.req.headers.authorization, exchange.req.headers['x-api-key']];
      return respond.json(500, { error: { message: 'no' } })(exchange);
    });
    const model = openai({ model: 'm', baseURL: server.baseURL, apiKey: key, maxRetries: 0 });
    await lastValueFrom(model.chat('Hi')).catch(() => undefined);
    await model.provider.close?.();
    expect(seen).toEqual([`Bearer ${key}`, undefined]);
  });
});

describe('secrets: plain http to a non-loopback host is refused (construction only; nothing is sent)', () => {
  const remoteHosts = ['http://example.com/v1', 'http://10.0.0.7:8080/v1', 'http://0.0.0.0:8080', 'http://[::ffff:7f00:1]/v1', 'http://localhost.evil.example/v1', 'http://127.0.0.1.nip.io/v1'];
  const loopbackHosts = ['http://127.0.0.1:8080/v1', 'http://localhost:8080/v1', 'http://[::1]:8080/v1', 'http://127.9.9.9/v1', 'http://LOCALHOST/v1'];

  it('openai(), anthropic() and chatModel() refuse to send a key over plain http to another machine, without echoing the key', () => {
    fc.assert(
      fc.property(apiKeyArbitrary, fc.constantFrom(...remoteHosts), (key, baseURL) => {
        const attempts: [string, () => unknown][] = [
          ['openai', () => openai({ model: 'm', baseURL, apiKey: key })],
          ['anthropic', () => anthropic({ model: 'm', baseURL, apiKey: key })],
          ['chatModel', () => chatModel('openai/m', { baseURL, apiKey: key })],
        ];
        for (const [name, make] of attempts) {
          let thrown: unknown;
          try {
            make();
          } catch (error) {
            thrown = error;
          }
          expect(thrown, name).toBeDefined();
          expect(isLlmError(thrown) && thrown.code, name).toBe('invalid_options');
          expect((thrown as Error).message, name).toMatch(/allowInsecureKey/);
          expect(leaksIn(errorSurfaces(thrown), key), name).toEqual([]);
        }
      }),
      { seed: 11, numRuns: 40 },
    );
  });

  it('refuses a key that comes from the environment too, and allows it with allowInsecureKey, without a key, or on loopback', () => {
    const saved = { openai: process.env.OPENAI_API_KEY, anthropic: process.env.ANTHROPIC_API_KEY };
    try {
      process.env.OPENAI_API_KEY = 'sk-from-env-0123456789abcdef';
      process.env.ANTHROPIC_API_KEY = 'sk-ant-from-env-0123456789abcdef';
      expect(() => openai({ model: 'm', baseURL: 'http://example.com/v1' })).toThrow(/OPENAI_API_KEY.*plain http/);
      expect(() => anthropic({ model: 'm', baseURL: 'http://example.com' })).toThrow(/ANTHROPIC_API_KEY.*plain http/);
      const made: ChatModel[] = [
        openai({ model: 'm', baseURL: 'http://example.com/v1', allowInsecureKey: true }),
        anthropic({ model: 'm', baseURL: 'http://example.com', allowInsecureKey: true }),
        openai({ model: 'm', baseURL: 'http://example.com/v1', apiKey: '' }),
        openai({ model: 'm', baseURL: 'https://example.com/v1' }),
        ...loopbackHosts.map((baseURL) => openai({ model: 'm', baseURL })),
        ...loopbackHosts.map((baseURL) => anthropic({ model: 'm', baseURL })),
      ];
      for (const model of made) void model.provider.close?.();
    } finally {
      restoreEnv('OPENAI_API_KEY', saved.openai);
      restoreEnv('ANTHROPIC_API_KEY', saved.anthropic);
    }
  });
});

describe('secrets: rxllm connects only to the configured base URL', () => {
  it('does not follow a redirect to another host (the key would go with it): the 3xx is the error', async () => {
    const other = await startLocalServer();
    try {
      const key = 'sk-redirect-0123456789abcdefghij';
      server.handle(({ res }) => {
        res.writeHead(307, { location: `${other.baseURL}/chat/completions`, 'content-length': '0' });
        res.end();
      });
      other.handle(respond.json(200, { ok: true }));
      for (const model of [openai({ model: 'm', baseURL: server.baseURL, apiKey: key, maxRetries: 2 }), anthropic({ model: 'm', baseURL: server.url, apiKey: key, maxRetries: 2 })]) {
        const error = await lastValueFrom(model.chat('Hi')).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        await model.provider.close?.();
        expect(isLlmError(error) && error.status).toBe(307);
        expect(isLlmError(error) && error.retryable).toBe(false);
      }
      expect(other.requestCount).toBe(0);
    } finally {
      await other.close();
    }
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
