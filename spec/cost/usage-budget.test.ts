import { defer, EMPTY, NEVER, of, Subject, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { APIConnectionError, BudgetExceededError, type ChatResponse, usageBudget, InvalidOptionsError, ServerError } from '../../src/index.js';
import { withBudget } from '../../src/pipeline/internal/with-budget.js';

/** A request whose worst case is exactly 10 input (3 + 4 + 3: a run of 9 letters, 0.75 + 9 × 0.25) + `maxTokens` output tokens. */
function request(maxTokens: number) {
  return { messages: [{ role: 'user' as const, content: 'abcdefghi' }], params: { maxTokens } };
}

function response(inputTokens: number, outputTokens: number): ChatResponse {
  return { text: '', finishReason: 'stop', usage: { inputTokens, outputTokens }, model: 'm', raw: {} };
}

describe('usageBudget()', () => {
  it('validates its options, naming the field', () => {
    expect(() => usageBudget({})).toThrow(/set maxCost or maxTotalTokens/);
    expect(() => usageBudget({ maxCost: -1 })).toThrow(/usageBudget\(\) options\.maxCost/);
    expect(() => usageBudget({ maxTotalTokens: 10, extra: 1 } as never)).toThrow(InvalidOptionsError);
    expect(() => usageBudget({ maxCost: 1, prices: { m: { inputPerMillion: 'x' } } as never })).toThrow(/options\.prices\.m/);
  });

  it('reserves worst cases up to maxTotalTokens and refuses what could overrun it', () => {
    const budget = usageBudget({ maxTotalTokens: 100 });
    const first = budget.reserve('m', request(40));
    expect(first).toMatchObject({ tokens: 50, usage: { inputTokens: 10, outputTokens: 40 } });
    expect(budget.reserve('m', request(40))).toBeDefined();
    expect(budget.reserve('m', request(1))).toBeUndefined(); // 100 + 11 > 100
    expect(budget.state()).toMatchObject({ reservedTokens: 100, outstanding: 2, exhausted: false });
  });

  it('settles with the real usage, releasing the difference, and ignores a second settle', () => {
    const budget = usageBudget({ maxTotalTokens: 100 });
    const first = budget.reserve('m', request(80))!;
    expect(budget.reserve('m', request(30))).toBeUndefined();
    budget.settle(first, { inputTokens: 9, outputTokens: 11 });
    budget.settle(first, { inputTokens: 9, outputTokens: 11 });
    expect(budget.state()).toMatchObject({ spentTokens: 20, reservedTokens: 0, outstanding: 0 });
    expect(budget.reserve('m', request(30))).toBeDefined();
  });

  it('becomes exhausted when it refuses with nothing outstanding, and then refuses everything', () => {
    const budget = usageBudget({ maxTotalTokens: 30 });
    budget.settle(budget.reserve('m', request(10))!, { inputTokens: 10, outputTokens: 10 });
    expect(budget.reserve('m', request(40))).toBeUndefined();
    expect(budget.state().exhausted).toBe(true);
    expect(budget.reserve('m', { messages: [], params: { maxTokens: 1 } })).toBeUndefined();
  });

  it('prices reservations against maxCost, with overrides, and needs a price for the model', () => {
    const prices = { m: { inputPerMillion: 1_000_000, outputPerMillion: 2_000_000 } }; // $1 / $2 per token
    const budget = usageBudget({ maxCost: 100, prices });
    const reservation = budget.reserve('provider/m', request(40))!;
    expect(reservation.cost).toBe(10 + 80);
    expect(budget.reserve('m', request(1))).toBeUndefined(); // 90 + 12 > 100
    budget.settle(reservation, { inputTokens: 10, outputTokens: 5 });
    expect(budget.state().spentCost).toBe(20);
    expect(() => usageBudget({ maxCost: 1 }).reserve('no-such-model', request(1))).toThrow(/no price for model "no-such-model"/);
    expect(usageBudget({ maxTotalTokens: 100 }).reserve('no-such-model', request(1))).toBeDefined();
  });

  it('reserves defaultOutputTokens when a request has no maxTokens, and scales the input by inputMargin', () => {
    const budget = usageBudget({ maxTotalTokens: 1000, defaultOutputTokens: 100, inputMargin: 2 });
    expect(budget.reserve('m', { messages: [{ role: 'user', content: 'abcdefghi' }] })).toMatchObject({ tokens: 120 });
  });

  it('emits a change after each settle or release', () => {
    const budget = usageBudget({ maxTotalTokens: 100 });
    const seen: number[] = [];
    budget.changes.subscribe((state) => seen.push(state.outstanding));
    const a = budget.reserve('m', request(10))!;
    const b = budget.reserve('m', request(10))!;
    budget.release(a);
    budget.settle(b, { inputTokens: 1, outputTokens: 1 });
    expect(seen).toEqual([1, 0]);
    expect(budget.state()).toMatchObject({ spentTokens: 2, reservedTokens: 0 });
  });

  it('describes the limits in its BudgetExceededError', () => {
    const error = usageBudget({ maxCost: 0.5, maxTotalTokens: 10 }).exceededError('openai/gpt-4o-mini');
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error.message).toMatch(/maxCost \$0\.5 \(spent \$0\), maxTotalTokens 10 \(spent 0\)/);
    expect(error).toMatchObject({ provider: 'openai', retryable: false, fatal: false, code: 'budget_exceeded' });
  });
});

describe('withBudget()', () => {
  it('passes the source through without a budget', () => {
    const source = of(response(1, 1));
    expect(withBudget(undefined, 'm', request(1))(source)).toBe(source);
  });

  it('settles the usage of a response', () => {
    const budget = usageBudget({ maxTotalTokens: 100 });
    const values: ChatResponse[] = [];
    of(response(3, 4)).pipe(withBudget(budget, 'm', request(50))).subscribe((value) => values.push(value));
    expect(values).toHaveLength(1);
    expect(budget.state()).toMatchObject({ spentTokens: 7, reservedTokens: 0, outstanding: 0 });
  });

  it('releases on an HTTP error status, keeps the worst case on a connection error, releases when nothing was sent', () => {
    const budget = usageBudget({ maxTotalTokens: 1000 });
    throwError(() => new ServerError('overloaded', { status: 529 })).pipe(withBudget(budget, 'm', request(50))).subscribe({ error: () => undefined });
    expect(budget.state()).toMatchObject({ spentTokens: 0, outstanding: 0 });
    throwError(() => new APIConnectionError('reset')).pipe(withBudget(budget, 'm', request(50))).subscribe({ error: () => undefined });
    expect(budget.state()).toMatchObject({ spentTokens: 60, outstanding: 0 });
    EMPTY.pipe(withBudget(budget, 'm', request(50))).subscribe();
    expect(budget.state()).toMatchObject({ spentTokens: 60, outstanding: 0 });
  });

  it('keeps the worst case spent when the attempt is cancelled in flight', () => {
    const budget = usageBudget({ maxTotalTokens: 1000 });
    NEVER.pipe(withBudget(budget, 'm', request(50))).subscribe().unsubscribe();
    expect(budget.state()).toMatchObject({ spentTokens: 60, outstanding: 0 });
  });

  it('waits while other reservations are outstanding, then sends once they leave room', () => {
    const budget = usageBudget({ maxTotalTokens: 100 });
    const first = new Subject<ChatResponse>();
    first.pipe(withBudget(budget, 'm', request(70))).subscribe();
    const second = new Subject<ChatResponse>();
    let sent = false;
    const values: ChatResponse[] = [];
    defer(() => {
      sent = true;
      return second;
    })
      .pipe(withBudget(budget, 'm', request(70)))
      .subscribe((value) => values.push(value));
    expect(sent).toBe(false); // 80 reserved + 80 > 100: waits
    first.next(response(5, 5));
    first.complete();
    expect(sent).toBe(true);
    second.next(response(6, 6));
    expect(values).toHaveLength(1);
    expect(budget.state()).toMatchObject({ spentTokens: 22, outstanding: 0 });
  });

  it('errors with BudgetExceededError, sending nothing, once the budget is exhausted', () => {
    const budget = usageBudget({ maxTotalTokens: 50 });
    let sent = false;
    const errors: unknown[] = [];
    defer(() => {
      sent = true;
      return NEVER;
    })
      .pipe(withBudget(budget, 'm', request(100)))
      .subscribe({ error: (error: unknown) => errors.push(error) });
    expect(sent).toBe(false);
    expect(errors[0]).toBeInstanceOf(BudgetExceededError);
    expect(budget.state().exhausted).toBe(true);
  });
});
