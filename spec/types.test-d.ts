// Type tests of the public API (checked by `npm run typecheck`; vitest does not run *.test-d.ts files).
// They pin the generics users rely on: a change that widens, narrows or renames one of these types fails tsc here.
import type { Observable, OperatorFunction } from 'rxjs';
import { expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type PromptItem,
  type Budget,
  type ChatChunk,
  type ChatMessage,
  type ChatModel,
  type ChatParams,
  type ChatRequest,
  type ChatResponse,
  type ChatResult,
  type CostEstimate,
  type LlmError,
  type OnError,
  type ParallelChatResult,
  type Progress,
  type ProgressTracker,
  type Prompt,
  type RateLimiter,
  type Reservation,
  type StreamItem,
  type UsageSummary,
  anthropic,
  chatEach,
  chatModel,
  chatStructured,
  usageBudget,
  progressTracker,
  estimateCost,
  interpolate,
  openai,
  parallelChat,
  parallelChatStructured,
  parallelChatText,
  partialResultsOf,
  pullPrompts,
  rateLimit,
  rateLimiter,
  streamEach,
  summarizeUsage,
} from '../src/index.js';
import { type MockServer, startMockServer } from '../src/mock-server/index.js';

declare const model: ChatModel;
declare const answers: ParallelChatResult[];
declare const results: ChatResult[];

it('types the model factories and the two methods of a model', () => {
  expectTypeOf(openai).returns.toEqualTypeOf<ChatModel>();
  expectTypeOf(anthropic).returns.toEqualTypeOf<ChatModel>();
  expectTypeOf(chatModel).returns.toEqualTypeOf<ChatModel>();
  expectTypeOf(model.chat('Hi')).toEqualTypeOf<Observable<ChatResponse>>();
  expectTypeOf(model.stream('Hi')).toEqualTypeOf<Observable<ChatChunk>>();
  expectTypeOf(model.chat).parameter(1).toEqualTypeOf<ChatParams | undefined>();
  // @ts-expect-error model is required
  openai({ baseURL: 'http://127.0.0.1:8080/v1' });
  // @ts-expect-error a typo in an option is a type error (and a runtime InvalidOptionsError)
  openai({ model: 'gpt-4o-mini', timout: 1_000 });
});

it('accepts a string, a conversation, a request or an item as a prompt, and nothing else', () => {
  expectTypeOf<string>().toExtend<Prompt>();
  expectTypeOf<ChatMessage[]>().toExtend<Prompt>();
  expectTypeOf<ChatRequest>().toExtend<Prompt>();
  expectTypeOf<Prompt>().toEqualTypeOf<string | ChatMessage[] | ChatRequest | PromptItem>();
  // @ts-expect-error a number is not a prompt
  model.chat(42);
  // @ts-expect-error roles are 'system' | 'user' | 'assistant'
  model.chat([{ role: 'tool', content: 'x' }]);
  expectTypeOf(interpolate('{{ a }}', { a: ['x', 'y'] })).toEqualTypeOf<string[]>();
});

it('pins chatEach as an operator from prompts to ChatResults', () => {
  expectTypeOf(chatEach(model)).toEqualTypeOf<OperatorFunction<Prompt, ChatResult>>();
  expectTypeOf(chatEach(model, { maxActive: 4, rpm: 60, onError: 'stop' })).toEqualTypeOf<OperatorFunction<Prompt, ChatResult>>();
  expectTypeOf<OnError>().toEqualTypeOf<'continue' | 'return' | 'stop'>();
  // @ts-expect-error onError is one of three words
  chatEach(model, { onError: 'ignore' });
  // @ts-expect-error a typo in a pipeline option
  chatEach(model, { maxActiv: 4 });
});

it('narrows a ChatResult on ok', () => {
  const describe = (result: ChatResult) => {
    expectTypeOf(result.index).toEqualTypeOf<number>();
    expectTypeOf(result.attempts).toEqualTypeOf<number>();
    expectTypeOf(result.prompt).toEqualTypeOf<Prompt>();
    // @ts-expect-error response exists only once ok is known to be true
    void result.response;
    if (result.ok) {
      expectTypeOf(result.response).toEqualTypeOf<ChatResponse>();
      expectTypeOf(result).not.toHaveProperty('error');
    } else {
      expectTypeOf(result.error).toEqualTypeOf<LlmError>();
      expectTypeOf(result).not.toHaveProperty('response');
    }
  };
  expectTypeOf(describe).parameter(0).toEqualTypeOf<ChatResult>();
});

it('pins streamEach and its items', () => {
  expectTypeOf(streamEach(model)).toEqualTypeOf<OperatorFunction<Prompt, StreamItem>>();
  expectTypeOf(streamEach(model, { resumeStreams: true })).toEqualTypeOf<OperatorFunction<Prompt, StreamItem>>();
  expectTypeOf<StreamItem['chunks']>().toEqualTypeOf<Observable<ChatChunk>>();
  expectTypeOf<StreamItem['text']>().toEqualTypeOf<Promise<string>>();
  expectTypeOf<StreamItem['index']>().toEqualTypeOf<number>();
  // @ts-expect-error resumeStreams belongs to streamEach only
  chatEach(model, { resumeStreams: true });
});

it('types the results of the Promise wrappers in input order', () => {
  expectTypeOf(parallelChat(model, ['a', 'b'])).toEqualTypeOf<Promise<ParallelChatResult[]>>();
  expectTypeOf<ParallelChatResult>().toEqualTypeOf<ChatResponse | LlmError | null>();
  expectTypeOf(parallelChatText(model, ['a'])).toEqualTypeOf<Promise<(string | LlmError | null)[]>>();
  async function* generated() {
    yield 'a';
  }
  expectTypeOf(parallelChat(model, generated())).toEqualTypeOf<Promise<ParallelChatResult[]>>();
  expectTypeOf(parallelChat(model, new Set<Prompt>(['a']), { onAbort: 'resolve', signal: AbortSignal.timeout(1_000) })).toEqualTypeOf<
    Promise<ParallelChatResult[]>
  >();
  expectTypeOf(partialResultsOf<ParallelChatResult>(new Error('x'))).toEqualTypeOf<ParallelChatResult[] | undefined>();
});

it('infers structured results from the zod schema', () => {
  const City = z.object({ city: z.string(), population: z.number(), tags: z.array(z.string()).optional() });
  type City = z.infer<typeof City>;
  expectTypeOf(parallelChatStructured(model, ['a'], City)).toEqualTypeOf<Promise<(City | LlmError | null)[]>>();
  expectTypeOf(chatStructured(model, 'a', City)).toEqualTypeOf<Observable<City>>();
  const Mood = z.enum(['happy', 'sad']);
  expectTypeOf(parallelChatStructured(model, ['a'], z.object({ mood: Mood })))
    .resolves.items.toEqualTypeOf<{ mood: 'happy' | 'sad' } | LlmError | null>();
});

it('types pullPrompts, the shared limiter and rateLimit', () => {
  async function* prompts() {
    yield 'a';
  }
  expectTypeOf(pullPrompts(prompts())).toEqualTypeOf<Observable<string>>();
  expectTypeOf(pullPrompts<Prompt>(['a', [{ role: 'user', content: 'b' }]])).toEqualTypeOf<Observable<Prompt>>();
  const limiter = rateLimiter({ rpm: 60 });
  expectTypeOf(limiter).toEqualTypeOf<RateLimiter>();
  expectTypeOf(limiter.acquire({ tokens: 10 })).toEqualTypeOf<Observable<Reservation>>();
  expectTypeOf(rateLimit<number>(limiter)).toEqualTypeOf<OperatorFunction<number, number>>();
  expectTypeOf(chatEach).parameter(1).exclude<undefined>().toHaveProperty('limiter').toEqualTypeOf<RateLimiter | undefined>();
  // @ts-expect-error rpm is required
  rateLimiter({ tpm: 1_000 });
});

it('types progress, cost and budgets', () => {
  const progress = progressTracker({ total: 10 });
  expectTypeOf(progress).toEqualTypeOf<ProgressTracker>();
  expectTypeOf(progress.progress$).toEqualTypeOf<Observable<Progress>>();
  expectTypeOf<Progress['etaMs']>().toEqualTypeOf<number | undefined>();
  expectTypeOf(estimateCost(model, ['a'], { maxTokens: 100 })).toEqualTypeOf<CostEstimate>();
  expectTypeOf<CostEstimate['maxCost']>().toEqualTypeOf<number | undefined>();
  expectTypeOf(usageBudget({ maxCost: 1 })).toEqualTypeOf<Budget>();
  expectTypeOf(summarizeUsage(answers)).toEqualTypeOf<UsageSummary>();
  expectTypeOf(summarizeUsage(results)).toEqualTypeOf<UsageSummary>();
});

it('types the mock server of rxllm/testing', () => {
  expectTypeOf(startMockServer()).toEqualTypeOf<Promise<MockServer>>();
  expectTypeOf<MockServer['openaiBaseURL']>().toEqualTypeOf<string>();
  expectTypeOf<MockServer['close']>().returns.toEqualTypeOf<Promise<void>>();
  // @ts-expect-error fault rates are keyed by fault kind
  void startMockServer({ faults: { 999: 0.5 } });
});
