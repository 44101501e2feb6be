import { describe, expect, it } from 'vitest';
import { resultRecords, useCliHarness } from '../cli/support/cli-harness.js';
import { expectedErrorNames, type FaultServer, isRetryableFault, SOAK_FAULTS, seededPlan, startFaultServer } from '../support/reliability-fault-server.js';
import { leaksIn } from '../support/reliability-secrets.js';

/** `rxllm run` as a child process under the same fault soak as the library (N from RXLLM_SOAK_N, 2,000 in CI). */
const N = Number(process.env.RXLLM_SOAK_N ?? 2_000);
const MAX_RETRIES = 2;
const KEY = 'sk-cli-soak-7f3a9c1e5b2d8f4a6c0e';

const h = useCliHarness();

describe(`soak: rxllm run, ${N} prompts, --max-active 64, every fault at a combined 20 %`, () => {
  it(
    'records every id exactly once, each failure with the error class of its last attempt\'s fault, and never a success delivered twice',
    async () => {
      // The CLI has no size-cap flag (32 MiB), so endless bodies are cut by the server at 1 MiB: a dropped connection.
      const server: FaultServer = await startFaultServer({ plan: seededPlan({ seed: 77, faultRate: 0.2 }), endlessLimitBytes: 1024 * 1024, latencyMs: 100 });
      try {
        const prompts = Array.from({ length: N }, (_, i) => `soak cli ${i}`);
        const input = await h.writeFile('prompts.jsonl', prompts.map((prompt, i) => `${JSON.stringify({ id: `p${i}`, prompt })}\n`).join(''));
        const output = h.path('results.jsonl');
        const started = performance.now();
        const result = await h.run(
          ['run', input, '-o', output, '--model', 'openai/soak-model', '--base-url', server.baseURL, '--max-active', '64', '--rpm', '1000000', '--timeout', '4', '--max-retries', String(MAX_RETRIES), '--progress', 'lines', '--progress-interval', '1'],
          { env: { OPENAI_API_KEY: KEY } },
        );
        const seconds = (performance.now() - started) / 1_000;
        expect(result.stderr).not.toMatch(/unexpected error/);
        expect(result.code, result.stderr.slice(-2_000)).toBe(1); // some prompts failed, none fatally

        const records = resultRecords(output);
        const seen = new Map<string, number>();
        const byClass: Record<string, number> = {};
        const problems: string[] = [];
        for (const record of records) {
          const id = String(record.id);
          seen.set(id, (seen.get(id) ?? 0) + 1);
          const index = Number(id.slice(1));
          const key = prompts[index]!;
          const server_ = server.record(key);
          if (server_ === undefined) {
            problems.push(`${id}: never reached the server`);
            continue;
          }
          const last = server_.outcomes.at(-1)!;
          if (record.attempts !== server_.outcomes.length) problems.push(`${id}: ${String(record.attempts)} attempts, server saw ${server_.outcomes.join(' → ')}`);
          server_.outcomes.forEach((attempt, i) => {
            const isLast = i === server_.outcomes.length - 1;
            if (!isLast && !isRetryableFault(attempt, 'chat', false)) problems.push(`${id}: retried after ${attempt}`);
            if (isLast && isRetryableFault(attempt, 'chat', false) && i < MAX_RETRIES) problems.push(`${id}: not retried after ${attempt}`);
          });
          if (record.ok) {
            byClass.ok = (byClass.ok ?? 0) + 1;
            if (record.text !== `echo: ${key}`) problems.push(`${id}: wrong text ${JSON.stringify(record.text)}`);
            if (last !== 'ok' || server_.delivered !== 1) problems.push(`${id}: ok, but the server says ${server_.outcomes.join(' → ')} delivered ${server_.delivered}`);
          } else {
            const type = String((record.error as { type?: unknown }).type);
            byClass[type] = (byClass[type] ?? 0) + 1;
            if (last === 'ok') problems.push(`${id}: failed (${type}) though its last attempt was answered`);
            else if (!expectedErrorNames(last, 'chat', false).includes(type)) problems.push(`${id}: ${last} recorded as ${type}`);
            if (server_.delivered !== 0) problems.push(`${id}: failed, yet delivered ${server_.delivered} times`);
          }
        }
        expect(problems.slice(0, 20)).toEqual([]);
        expect(records).toHaveLength(N);
        expect([...seen.values()].every((count) => count === 1)).toBe(true);
        expect(seen.size).toBe(N);
        expect(server.duplicates).toBe(0);
        for (const fault of SOAK_FAULTS) expect(server.injected[fault], fault).toBeGreaterThan(0);
        expect(server.maxInFlight).toBeLessThanOrEqual(64);
        expect(server.maxInFlight).toBeGreaterThanOrEqual(16); // real concurrency (how close to 64 depends on how fast the child can send)
        // The key never shows up, whatever failed.
        expect(leaksIn({ stdout: result.stdout, stderr: result.stderr, output: JSON.stringify(records) }, KEY)).toEqual([]);
        console.info('cli soak figures:', JSON.stringify({ prompts: N, requests: server.requests, seconds: Number(seconds.toFixed(1)), maxInFlight: server.maxInFlight, outcomes: byClass }));
      } finally {
        await server.close();
      }
    },
    Math.max(180_000, N * 150),
  );
});
