import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors/llm-error.js';
import { parallelChat } from '../../src/promise/parallel-chat.js';
import { openai } from '../../src/providers/openai-compatible/openai.js';
import type { ChatModel } from '../../src/model/chat-provider.js';
import type { ChatResponse } from '../../src/types.js';
import { type AttemptOutcome, expectedErrorNames, type FaultPlan, type FaultServer, type SoakFault, startFaultServer } from '../support/reliability-fault-server.js';

// The faults that end quickly (no hangs or endless bodies, whose timeouts would only slow the property down).
const QUICK_FAULTS: SoakFault[] = ['500', '502', '503', '429', '429-no-retry-after', '529', 'reset', 'midstream-drop', 'malformed-json', 'malformed-sse', 'truncated-body', 'wrong-content-type', 'html-error'];

let server: FaultServer;
let plan: FaultPlan = () => 'ok';
let model: ChatModel;
let run = 0;

beforeAll(async () => {
  server = await startFaultServer({ plan: (key, attempt) => plan(key, attempt), retryAfterMs: 1 });
  model = openai({ model: 'm', baseURL: server.baseURL, apiKey: '', timeout: 10_000 });
});
afterAll(async () => {
  await model.provider.close?.();
  await server.close();
});

/** Per prompt, what each attempt gets (attempts past the script are answered). */
const scriptsArbitrary = fc.array(
  fc.array(fc.oneof({ weight: 2, arbitrary: fc.constant<AttemptOutcome>('ok') }, { weight: 3, arbitrary: fc.constantFrom<AttemptOutcome>(...QUICK_FAULTS) }), { maxLength: 4 }),
  { minLength: 1, maxLength: 25 },
);

describe('parallelChat: results line up with input indices for arbitrary fault patterns (property, seeded)', () => {
  it('onError "continue": results[i] is prompt i\'s own answer, or the error of its own last attempt', async () => {
    await fc.assert(
      fc.asyncProperty(scriptsArbitrary, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }), async (scripts, maxActive, maxRetries) => {
        run += 1;
        const prompts = scripts.map((_, i) => `run ${run} prompt ${i}`);
        const scriptOf = new Map(prompts.map((prompt, i) => [prompt, scripts[i]!]));
        plan = (key, attempt) => scriptOf.get(key)?.[attempt] ?? 'ok';
        const results = await parallelChat(model, prompts, { maxActive, rpm: Infinity, onError: 'continue', retry: { maxRetries, initialDelayMs: 1, maxDelayMs: 2, jitter: false } });
        expect(results).toHaveLength(prompts.length);
        results.forEach((result, i) => {
          const record = server.record(prompts[i]!)!;
          const last = record.outcomes.at(-1)!;
          if (last === 'ok') {
            expect(isLlmError(result), `#${i}: ${String(result)}`).toBe(false);
            expect((result as ChatResponse).text).toBe(`echo: ${prompts[i]}`);
          } else {
            expect(isLlmError(result), `#${i}`).toBe(true);
            expect(expectedErrorNames(last, 'chat')).toContain((result as Error).name);
          }
        });
      }),
      { seed: 8_080, numRuns: 40 },
    );
  }, 120_000);

  it('onError "return": what is not null is prompt i\'s own outcome, and null means the server never saw prompt i', async () => {
    let nulls = 0;
    await fc.assert(
      fc.asyncProperty(scriptsArbitrary, fc.integer({ min: 1, max: 8 }), async (scripts, maxActive) => {
        run += 1;
        const prompts = scripts.map((_, i) => `run ${run} prompt ${i}`);
        const scriptOf = new Map(prompts.map((prompt, i) => [prompt, scripts[i]!]));
        plan = (key, attempt) => scriptOf.get(key)?.[attempt] ?? 'ok';
        const results = await parallelChat(model, prompts, { maxActive, rpm: Infinity, onError: 'return', retry: { maxRetries: 1, initialDelayMs: 1, jitter: false } });
        expect(results).toHaveLength(prompts.length);
        let failures = 0;
        results.forEach((result, i) => {
          const record = server.record(prompts[i]!);
          if (result === null) {
            expect(record, `#${i} is null but was sent`).toBeUndefined();
            return;
          }
          const last = record!.outcomes.at(-1)!;
          if (isLlmError(result)) {
            failures += 1;
            expect(last).not.toBe('ok');
            expect(expectedErrorNames(last as SoakFault, 'chat')).toContain(result.name);
          } else {
            expect(last).toBe('ok');
            expect(result.text).toBe(`echo: ${prompts[i]}`);
          }
        });
        // With no failure every prompt was answered; with one, the rest may have been left unsent (null).
        if (failures === 0) expect(results.every((result) => result !== null)).toBe(true);
        nulls += results.filter((result) => result === null).length;
      }),
      { seed: 9_090, numRuns: 40 },
    );
    expect(nulls).toBeGreaterThan(20); // the property really saw runs stopped early
  }, 120_000);
});
