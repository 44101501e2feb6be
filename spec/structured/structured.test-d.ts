import type { Observable, OperatorFunction } from 'rxjs';
import { expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type ChatModel,
  chatEachStructured,
  chatStructured,
  type LlmError,
  parallelChatStructured,
  type Prompt,
  type StructuredResult,
  structuredOutput,
  summarizeUsage,
} from '../../src/index.js';

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

it('types chatEachStructured results from the schema, unknown for a JSON Schema', () => {
  type CityValue = { city: string; population?: number | undefined };
  expectTypeOf(chatEachStructured(model, City)).toEqualTypeOf<OperatorFunction<Prompt, StructuredResult<CityValue>>>();
  expectTypeOf(chatEachStructured(model, { type: 'object' })).toEqualTypeOf<OperatorFunction<Prompt, StructuredResult<unknown>>>();
  const result = {} as StructuredResult<CityValue>;
  if (result.ok) {
    expectTypeOf(result.value.city).toEqualTypeOf<string>();
    expectTypeOf(result.cost).toEqualTypeOf<number | undefined>();
  } else expectTypeOf(result.error).toEqualTypeOf<LlmError>();
  expectTypeOf(summarizeUsage).toBeCallableWith([result]);
});
