import { defer, filter, type MonoTypeOperatorFunction, Observable, Subscription, take } from 'rxjs';
import { isLlmError } from '../../errors/llm-error.js';
import type { Usage } from '../../types.js';
import type { Budget, BudgetReservation } from '../../cost/usage-budget.js';
import type { UsageRequest } from '../../model/worst-case-usage.js';

/**
 * Runs one attempt (the source: waiting for a rate-limit turn, then sending) under a budget. Before subscribing to
 * the source it reserves the request's worst case; while the budget has no room but other reservations are
 * outstanding it waits for them to settle; when the budget is exhausted it errors with `BudgetExceededError`
 * (not retryable) and nothing is sent. Afterwards: the first value carrying `usage` (a `ChatResponse`, or a stream's
 * final `ChatChunk`) settles the reservation with it; an attempt that delivered nothing and ended with an HTTP error
 * status (the server did no work) or without sending releases it; anything else — a connection failure, a timeout,
 * a stream cut short, a cancellation — keeps the worst case spent, as the server may have done the work.
 *
 * Without a budget the source passes through untouched.
 *
 * @param budget - The run's budget, if any.
 * @param modelId - The `provider/model` id priced.
 * @param request - The request (messages and `maxTokens`) whose worst case is reserved.
 * @returns An operator over one attempt's responses or chunks.
 */
export function withBudget<T extends { usage?: Usage }>(budget: Budget | undefined, modelId: string, request: UsageRequest): MonoTypeOperatorFunction<T> {
  if (budget === undefined) return (source) => source;
  return (source) =>
    defer(() => {
      const granted = new Observable<BudgetReservation>((subscriber) => {
        const attempt = () => {
          if (budget.state().exhausted) {
            subscriber.error(budget.exceededError(modelId));
            return true;
          }
          const got = budget.reserve(modelId, request);
          if (got !== undefined) {
            subscriber.next(got);
            subscriber.complete();
            return true;
          }
          if (budget.state().exhausted) {
            subscriber.error(budget.exceededError(modelId));
            return true;
          }
          return false;
        };
        if (attempt()) return undefined;
        const waiting = budget.changes.pipe(filter(() => attempt()), take(1)).subscribe();
        return () => waiting.unsubscribe();
      });
      return new Observable<T>((subscriber) => {
        let reservation: BudgetReservation | undefined;
        let delivered = false;
        let closed = false;
        const close = (how: 'usage' | 'release' | 'worst', usage?: Usage) => {
          if (closed || reservation === undefined) return;
          closed = true;
          if (how === 'usage') budget.settle(reservation, usage!);
          else if (how === 'release') budget.release(reservation);
          else budget.settle(reservation, reservation.usage);
        };
        const subscription = new Subscription();
        subscription.add(
          granted.subscribe({
            next: (got) => {
              reservation = got;
              subscription.add(
                source.subscribe({
                  next: (value) => {
                    delivered = true;
                    if (value.usage !== undefined) close('usage', value.usage);
                    subscriber.next(value);
                  },
                  error: (error: unknown) => {
                    const answeredWithStatus = isLlmError(error) && error.status !== undefined && error.status >= 400;
                    close(!delivered && answeredWithStatus ? 'release' : 'worst');
                    subscriber.error(error);
                  },
                  complete: () => {
                    close(delivered ? 'worst' : 'release'); // delivered without usage: assume the worst; nothing: no turn, nothing sent
                    subscriber.complete();
                  },
                }),
              );
            },
            error: (error: unknown) => subscriber.error(error),
          }),
        );
        return () => {
          subscription.unsubscribe();
          close('worst'); // cancelled mid-attempt: the server may have done the work
        };
      });
    });
}
