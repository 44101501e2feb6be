import type { Observable } from 'rxjs';
import { expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type ChatModel, chatStructured, type LlmError, parallelChatStructured, structuredOutput } from '../../src/index.js';

declare const model: ChatModel;
const City = z.object({ city: z.string(), population: z.number().optional() });

it('types results from the schema', () => {
  expectTypeOf(parallelChatStructured(model, ['x'], City)).toEqualTypeOf<Promise<({ city: string; population?: number | undefined } | LlmError | null)[]>>();
  expectTypeOf(chatStructured(model, 'x', z.array(z.number()))).toEqualTypeOf<Observable<number[]>>();
  const parsed = structuredOutput(City).parse('{}');
  if (parsed.ok) expectTypeOf(parsed.value.city).toEqualTypeOf<string>();
  // transforms: the result is the schema's output type
  expectTypeOf(chatStructured(model, 'x', z.object({ n: z.string().transform(Number) }))).toEqualTypeOf<Observable<{ n: number }>>();
});
