import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { structuredOutput } from '../../src/index.js';
import { failedResultLine } from '../../src/checkpoint/format-result-line.js';

describe('failedResultLine()', () => {
  it('carries the raw text, the issues and the usage paid for when a structured answer fails its schema', () => {
    const output = structuredOutput(z.object({ stars: z.number().int().min(1).max(5) }));
    const parsed = output.parse('{"stars": 7}', { provider: 'openai', usage: { inputTokens: 31, outputTokens: 6 } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const line = failedResultLine({ id: 'q1', index: 0, model: 'gpt-4o-mini', attempts: 1, latencyMs: 12, queuedMs: 0 }, parsed.error);
    expect(line).toMatchObject({
      ok: false,
      error: { type: 'StructuredOutputError', code: 'structured_output_invalid', rawText: '{"stars": 7}', issues: [{ path: ['stars'], code: 'too_big' }] },
      usage: { inputTokens: 31, outputTokens: 6 },
    });
    expect(JSON.parse(JSON.stringify(line))).toEqual(line);
  });
});
