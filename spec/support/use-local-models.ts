import type { Agent } from 'undici';
import { afterEach, beforeEach } from 'vitest';
import type { ChatModel } from '../../src/model/chat-provider.js';
import { createAgent } from '../../src/transport/create-agent.js';
import { type LocalServer, startLocalServer } from './local-server.js';

/** What a provider test file gets from `useLocalModels()`; read its fields inside tests (the hooks set them). */
export interface LocalModels {
  /**
   * This test's own local server (started before each test, closed after it), through a stable view: the file can
   * destructure it once (`const { server } = useLocalModels()`), and each use reaches the current test's server.
   */
  readonly server: LocalServer;
  /** An undici agent of this test's own, made on first use and destroyed after the test (read it inside a test or hook). */
  readonly agent: Agent;
  /**
   * What a bare provider factory needs to reach this test's server: its base URL, the agent, 5 s timeouts and a 1 MiB
   * body cap (read it inside a test or hook); add `id` (and `apiKey`) and spread.
   */
  providerSettings(): { baseURL: string; dispatcher: Agent; timeoutMs: number; idleTimeoutMs: number; maxResponseBytes: number };
  /** Keeps `model` to close its provider after the test; returns it. */
  keep<M extends ChatModel>(model: M): M;
}

/**
 * Registers the set-up every provider test over HTTP repeats: a local server per test, every model made in the test
 * closed after it, an agent when the test needs one, and `env` (names of environment variables) cleared for each test
 * and restored after it.
 */
export function useLocalModels({ env = [] }: { env?: readonly string[] } = {}): LocalModels {
  let server: LocalServer | undefined;
  let agent: Agent | undefined;
  let savedEnv: Array<[string, string | undefined]> = [];
  const models: ChatModel[] = [];
  beforeEach(async () => {
    server = await startLocalServer();
    savedEnv = env.map((name) => [name, process.env[name]]);
    for (const name of env) delete process.env[name];
  });
  afterEach(async () => {
    for (const [name, value] of savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await Promise.all(models.splice(0).map((model) => model.provider.close?.()));
    await server?.close();
    await agent?.destroy();
    server = undefined;
    agent = undefined;
  });
  const current = (): LocalServer => {
    if (server === undefined) throw new Error('the local server runs only inside a test');
    return server;
  };
  const view = new Proxy({} as LocalServer, {
    get(_, key) {
      const target = current();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const local: LocalModels = {
    server: view,
    get agent() {
      agent ??= createAgent();
      return agent;
    },
    providerSettings: () => ({ baseURL: current().baseURL, dispatcher: local.agent, timeoutMs: 5000, idleTimeoutMs: 5000, maxResponseBytes: 1024 * 1024 }),
    keep(model) {
      models.push(model);
      return model;
    },
  };
  return local;
}
