import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLlmError, ResponseValidationError, StreamInterruptedError } from '../../src/errors/llm-error.js';
import { anthropic } from '../../src/providers/anthropic/anthropic.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { type LocalServer, startLocalServer } from '../support/local-server.js';
import { type EchoBehaviour, echoHandler, errorSurfaces, leaksIn } from '../support/reliability-secrets.js';

// Deterministic versions of three echo paths of secrets.property.test.ts, each once a leak (issue 17, item 3).
const KEY = 'sk-proj-Echo7Rw2Lx9Kp4Nv8Tb3Hs6Jd1Fg5Yc0MeQa';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());

function modelsFor(): ChatModel[] {
  const common = { model: 'm', apiKey: KEY, maxRetries: 0, timeout: 5_000 };
  return [openai({ ...common, baseURL: server.baseURL }), anthropic({ ...common, baseURL: server.url })];
}

async function errorOf(behaviour: EchoBehaviour, mode: 'chat' | 'stream', model: ChatModel, padding = 0): Promise<unknown> {
  server.handle(echoHandler({ behaviour, status: 500, format: 'raw-head', padding, requestIdIsKey: false, wire: model.provider.id === 'anthropic' ? 'anthropic' : 'openai' }));
  const call = mode === 'chat' ? model.chat('Hi') : model.stream('Hi');
  return lastValueFrom(call.pipe(toArray())).then(
    () => undefined,
    (reason: unknown) => reason,
  );
}

describe('secrets: echo paths that once kept the key', () => {
  it('a malformed head echoing the request: the parser error kept as cause holds no server bytes (both adapters, chat and stream)', async () => {
    for (const model of modelsFor()) {
      for (const mode of ['chat', 'stream'] as const) {
        const error = await errorOf('malformed-head', mode, model);
        expect(error).toBeInstanceOf(ResponseValidationError);
        expect((error as Error).cause).toBeInstanceOf(Error);
        expect(leaksIn(errorSurfaces(error), KEY), `${model.provider.id} ${mode}`).toEqual([]);
      }
      await model.provider.close?.();
    }
  });

  it('an error body whose echoed key straddles the 64 KiB cap keeps no piece of the key in err.body', async () => {
    for (const model of modelsFor()) {
      for (let padding = 0; padding < KEY.length; padding += 5) {
        const error = await errorOf('status-text-at-cap', 'chat', model, padding);
        expect(isLlmError(error) && error.status).toBe(500);
        expect(leaksIn(errorSurfaces(error), KEY), `${model.provider.id} padding ${padding}`).toEqual([]);
      }
      await model.provider.close?.();
    }
  });

  it('a key echoed in stream text before a drop is redacted from StreamInterruptedError.partialText', async () => {
    for (const model of modelsFor()) {
      const error = await errorOf('sse-key-in-text-then-drop', 'stream', model);
      expect(error).toBeInstanceOf(StreamInterruptedError);
      expect((error as StreamInterruptedError).partialText).toBe('your key is [redacted]');
      expect(leaksIn(errorSurfaces(error), KEY), model.provider.id).toEqual([]);
      await model.provider.close?.();
    }
  });
});
