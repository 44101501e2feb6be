import { Agent } from 'undici';

/** Options of `createAgent`. */
export interface CreateAgentOptions {
  /** Most sockets open to one origin; size it for the concurrency the provider will see. @defaultValue `256` */
  connections?: number;
  /** Longest wait for a TCP (and TLS) connection. undici checks it on a coarse timer (about half a second). @defaultValue `10000` */
  connectTimeoutMs?: number;
  /** How long an idle keep-alive socket stays open when the server gives no hint. @defaultValue `4000` */
  keepAliveTimeoutMs?: number;
  /** Upper bound on a server's keep-alive hint. @defaultValue `600000` */
  keepAliveMaxTimeoutMs?: number;
}

/** Default socket count per origin. */
export const DEFAULT_CONNECTIONS = 256;

/**
 * Creates the keep-alive undici `Agent` one provider instance shares across all its requests.
 *
 * undici's own `headersTimeout` and `bodyTimeout` are switched off: `postJson` and `postSse` run exact timers of
 * their own (whole request, time to first byte, idle between chunks), so the two never race. The connect timeout
 * is undici's; it surfaces as `APITimeoutError` with phase `'connect'`. Call `agent.close()` to release the sockets;
 * idle ones are unreferenced and never keep the process alive.
 *
 * @param options - Pool size and timeouts.
 * @returns A new `Agent`.
 *
 * @example
 * ```ts
 * const agent = createAgent({ connections: 64, connectTimeoutMs: 5000 });
 * // …pass it as `dispatcher` to postJson / postSse, then:
 * await agent.close();
 * ```
 */
export function createAgent(options: CreateAgentOptions = {}): Agent {
  const {
    connections = DEFAULT_CONNECTIONS,
    connectTimeoutMs = 10_000,
    keepAliveTimeoutMs = 4_000,
    keepAliveMaxTimeoutMs = 600_000,
  } = options;
  return new Agent({
    connections,
    pipelining: 1,
    connect: { timeout: connectTimeoutMs },
    keepAliveTimeout: keepAliveTimeoutMs,
    keepAliveMaxTimeout: keepAliveMaxTimeoutMs,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}
