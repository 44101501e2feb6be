import { catchError, defer, finalize, from, map, mergeMap, type Observable, of, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { customModel } from '../../src/model/custom-model.js';
import { isLlmError, type LlmError } from '../../src/errors/llm-error.js';
import { chatEach } from '../../src/pipeline/chat-each.js';
import { streamEach } from '../../src/pipeline/stream-each.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatModel, ChatProvider } from '../../src/model/chat-provider.js';
import type { ProviderRequest } from '../../src/types.js';
import {
  type AttemptOutcome,
  expectedErrorNames,
  type FaultServer,
  isRetryableFault,
  SOAK_FAULTS,
  seededPlan,
  startFaultServer,
} from '../support/reliability-fault-server.js';
import { activeResources, extraResourcesAfterSettling, heapUsedAfterGc, trapUnhandled } from '../support/reliability-resources.js';

/**
 * The soak: N prompts through `chatEach` (and N/2 through `streamEach`), 64 in flight, against a server injecting
 * every fault at a combined 20 % of attempts. CI runs N = 2,000; `RXLLM_SOAK_N=20000` runs the full soak.
 */
const N = Number(process.env.RXLLM_SOAK_N ?? 2_000);
const MAX_ACTIVE = 64;
const FAULT_RATE = 0.2;
const MAX_RETRIES = 2;
/**
 * Real timeouts, short enough that `hang` faults end soon, long enough that an answer already written is never
 * beaten by its timer on a loaded 2-core box (the client and the server share one event loop here; at 1.5 s, a
 * starved loop let timers fire before the answers waiting in the socket were read, and the retry delivered twice).
 */
const TIMEOUT_MS = 4_000;
/** Below the server's endless-body limit (8 MiB), so endless bodies hit the client's cap. */
const MAX_RESPONSE_BYTES = 64 * 1024;

interface Outcome {
  index: number;
  ok: boolean;
  text?: string;
  error?: LlmError | unknown;
  attempts?: number;
}

/**
 * What the client did, attempt by attempt: each attempt's error per prompt (it explains a failed check, e.g. a
 * timeout that raced an answer), and how many attempts were open at once.
 */
interface AttemptLog {
  errors: Map<string, string[]>;
  open: number;
  maxOpen: number;
}

/** `model` with every single attempt recorded in `log`. */
function withAttemptLog(model: ChatModel, log: AttemptLog): ChatModel {
  const note = (request: ProviderRequest) => (error: unknown) => {
    const key = String(request.messages.at(-1)?.content ?? '');
    const entry = `${(error as Error).name}: ${(error as Error).message.slice(0, 60)}`;
    log.errors.set(key, [...(log.errors.get(key) ?? []), entry]);
  };
  const counted = <T>(attempt: Observable<T>): Observable<T> =>
    defer(() => {
      log.open += 1;
      log.maxOpen = Math.max(log.maxOpen, log.open);
      return attempt.pipe(finalize(() => (log.open -= 1)));
    });
  const { provider } = model;
  const logged: ChatProvider = {
    id: provider.id,
    supportsPrefill: provider.supportsPrefill,
    chat: (request) => counted(provider.chat(request).pipe(tap({ error: note(request) }))),
    stream: (request) => counted(provider.stream(request).pipe(tap({ error: note(request) }))),
    close: () => provider.close?.() ?? Promise.resolve(),
  };
  return customModel(logged, { model: model.model, retry: model.retry });
}

function soakModel(server: FaultServer): ChatModel {
  return openai({
    model: 'soak-model',
    baseURL: server.baseURL,
    apiKey: 'sk-soak-0000000000000000',
    timeout: TIMEOUT_MS,
    streamIdleTimeout: TIMEOUT_MS,
    maxResponseBytes: MAX_RESPONSE_BYTES,
    maxRetries: MAX_RETRIES,
    maxSockets: 256,
  });
}

const pipelineOptions = { maxActive: MAX_ACTIVE, rpm: Infinity, retry: { maxRetries: MAX_RETRIES, initialDelayMs: 5, maxDelayMs: 40 } } as const;

/** Every prompt through `mode`, reduced to one outcome per emission (nothing else is kept, so memory stays flat). */
function run(mode: 'chat' | 'stream', model: ChatModel, prompts: readonly string[]): Observable<Outcome> {
  if (mode === 'chat') {
    return from(prompts).pipe(
      chatEach(model, pipelineOptions),
      map((result): Outcome => (result.ok ? { index: result.index, ok: true, text: result.response.text, attempts: result.attempts } : { index: result.index, ok: false, error: result.error, attempts: result.attempts })),
    );
  }
  return from(prompts).pipe(
    streamEach(model, pipelineOptions),
    mergeMap((item) =>
      from(item.text).pipe(
        map((text): Outcome => ({ index: item.index, ok: true, text })),
        catchError((error: unknown) => of<Outcome>({ index: item.index, ok: false, error })),
      ),
    ),
  );
}

function collect(source: Observable<Outcome>, onOutcome: (outcome: Outcome) => void): Promise<void> {
  return new Promise((resolve, reject) => source.subscribe({ next: onOutcome, error: reject, complete: resolve }));
}

describe.each([
  ['chat', N],
  ['stream', Math.ceil(N / 2)],
] as const)('soak: %s pipeline, %i prompts, 64 in flight, every fault at a combined 20 %%', (mode, count) => {
  it(
    'every prompt gets exactly one outcome, its error class matches the fault of its last attempt, no success is delivered twice, nothing leaks',
    async () => {
      const trap = trapUnhandled();
      const resourcesBefore = activeResources();
      let server: FaultServer | undefined = await startFaultServer({ plan: seededPlan({ seed: mode === 'chat' ? 2_026 : 2_027, faultRate: FAULT_RATE }), latencyMs: 100 });
      const attemptLog: AttemptLog = { errors: new Map(), open: 0, maxOpen: 0 };
      let model: ChatModel | undefined = withAttemptLog(soakModel(server), attemptLog);

      // Warm up (module caches, the socket pool), then take the heap baseline.
      await collect(run(mode, model, Array.from({ length: 200 }, (_, i) => `warm-up ${i}`)), () => undefined);
      const heapBefore = heapUsedAfterGc();

      const prompts = Array.from({ length: count }, (_, i) => `soak ${mode} ${i}`);
      const outcomesPerIndex = new Uint8Array(count);
      const byClass: Record<string, number> = {};
      const problems: string[] = [];
      const problem = (text: string) => {
        const key = text.slice(0, text.indexOf(':'));
        if (problems.length < 20) problems.push(`${text} [client saw: ${(attemptLog.errors.get(key) ?? []).join(' | ')}]`);
      };
      const started = performance.now();

      await collect(run(mode, model, prompts), (outcome) => {
        outcomesPerIndex[outcome.index]! += 1;
        const key = prompts[outcome.index]!;
        const record = server!.record(key);
        if (record === undefined) return problem(`${key}: the server never saw it`);
        const last = record.outcomes.at(-1)!;
        // Retries happened exactly for retryable faults, up to MAX_RETRIES.
        record.outcomes.forEach((attempt: AttemptOutcome, i: number) => {
          const isLast = i === record.outcomes.length - 1;
          if (!isLast && !isRetryableFault(attempt, mode)) problem(`${key}: retried after ${attempt} (${record.outcomes.join(' → ')})`);
          if (isLast && isRetryableFault(attempt, mode) && i < MAX_RETRIES) problem(`${key}: not retried after ${attempt} (${record.outcomes.join(' → ')})`);
        });
        if (outcome.attempts !== undefined && outcome.attempts !== record.outcomes.length) problem(`${key}: ${outcome.attempts} attempts, the server saw ${record.outcomes.length}`);
        if (outcome.ok) {
          byClass.ok = (byClass.ok ?? 0) + 1;
          if (last !== 'ok') problem(`${key}: success, but the last attempt got ${last}`);
          if (outcome.text !== `echo: ${key}`) problem(`${key}: wrong answer ${JSON.stringify(outcome.text)}`);
          if (record.delivered !== 1) problem(`${key}: delivered ${record.delivered} times`);
          return;
        }
        const error = outcome.error;
        const name = isLlmError(error) ? error.name : `untyped ${String(error)}`;
        byClass[name] = (byClass[name] ?? 0) + 1;
        if (!isLlmError(error)) return problem(`${key}: untyped failure ${String(error)}`);
        if (last === 'ok') return problem(`${key}: failed with ${name} although its last attempt was answered`);
        if (!expectedErrorNames(last, mode).includes(error.name)) problem(`${key}: ${last} surfaced as ${error.name} (${error.message})`);
        if (record.delivered !== 0) problem(`${key}: failed, yet the server delivered it ${record.delivered} times`);
      });
      const seconds = (performance.now() - started) / 1_000;

      // Exactly one outcome per index, and the server's own duplicate count.
      const missing = [...outcomesPerIndex.entries()].filter(([, times]) => times !== 1).map(([index, times]) => `#${index}: ${times}`);
      expect(missing.slice(0, 10)).toEqual([]);
      expect(problems).toEqual([]);
      expect(server.duplicates).toBe(0);
      // Every fault was exercised, and the cap of 64 was used and kept.
      for (const fault of SOAK_FAULTS) expect(server.injected[fault], fault).toBeGreaterThan(0);
      // The cap, as the client kept it (attempts open at once), and as the server saw it: the server may count a
      // few more, since it notices a socket the client destroyed (a timeout, a size cap) after the next request.
      expect(attemptLog.maxOpen).toBeLessThanOrEqual(MAX_ACTIVE);
      expect(attemptLog.maxOpen).toBe(MAX_ACTIVE);
      expect(server.maxInFlight).toBeLessThanOrEqual(MAX_ACTIVE + 4);
      expect(server.maxInFlight).toBeGreaterThanOrEqual(MAX_ACTIVE * 0.75);
      const figures = { mode, prompts: count, requests: server.requests, seconds: Number(seconds.toFixed(1)), maxOpenAttempts: attemptLog.maxOpen, maxInFlightAtServer: server.maxInFlight, outcomes: byClass, injected: { ...server.injected } };

      // No handles left: close the pool and the server; the sockets and timers must all go.
      await model.provider.close?.();
      await server.close();
      model = undefined;
      server = undefined;
      expect(await extraResourcesAfterSettling(resourcesBefore)).toEqual({});
      // Memory returns near where it started (loose: what a run holds is per-prompt bookkeeping the test drops).
      const heapGrowth = heapUsedAfterGc() - heapBefore;
      expect(heapGrowth).toBeLessThan(48 * 1024 * 1024);
      trap.dispose();
      expect(trap.errors).toEqual([]);
      console.info('soak figures:', JSON.stringify({ ...figures, heapGrowthMiB: Number((heapGrowth / 2 ** 20).toFixed(1)) }));
    },
    Math.max(120_000, count * 100),
  );
});
