import { concatMap, defer, filter, map, type MonoTypeOperatorFunction, type Observable, startWith, take, tap } from 'rxjs';
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
 * @param request - The request (messages, `maxTokens`, `serviceTier`) whose worst case is reserved, or a function
 *   giving it at each subscription (the tier of an attempt can change: `tierFallback`).
 * @param defaultOutputTokens - The output allowance of a request without `maxTokens` (the pipeline's, so limiter and
 *   budget reserve the same); the budget's own when omitted.
 * @returns An operator over one attempt's responses or chunks.
 */
export function withBudget<T extends { usage?: Usage; serviceTier?: string }>(
  budget: Budget | undefined,
  modelId: string,
  request: UsageRequest | (() => UsageRequest),
  defaultOutputTokens?: number,
): MonoTypeOperatorFunction<T> {
  if (budget === undefined) return (source) => source;
  const reservedOf = (): UsageRequest => {
    const given = typeof request === 'function' ? request() : request;
    if (defaultOutputTokens === undefined) return given;
    const serviceTier = given.params?.serviceTier;
    return { messages: given.messages, params: { maxTokens: given.params?.maxTokens ?? defaultOutputTokens, ...(serviceTier === undefined ? {} : { serviceTier }) } };
  };
  return (source) =>
    defer(() => reservationOf(budget, modelId, reservedOf())).pipe(
      concatMap((reservation) =>
        defer(() => {
          const close = closerOf(budget, reservation);
          let delivered = false;
          return source.pipe(
            tap({
              next: (value) => {
                delivered = true;
                if (value.usage !== undefined) close('usage', value.usage, value.serviceTier); // priced at the tier that served it
              },
              error: (error: unknown) => close(!delivered && answeredWithStatus(error) ? 'release' : 'worst'),
              complete: () => close(delivered ? 'worst' : 'release'), // delivered without usage: assume the worst; nothing: nothing sent
              unsubscribe: () => close('worst'), // cancelled mid-attempt: the server may have done the work
            }),
          );
        }),
      ),
    );
}

/**
 * The reservation of `request`'s worst case: at once when the budget has room, else at the first change of the
 * budget that makes room; errors with `BudgetExceededError` once the budget is exhausted.
 */
function reservationOf(budget: Budget, modelId: string, request: UsageRequest): Observable<BudgetReservation> {
  const attempt = (): BudgetReservation | undefined => {
    if (budget.state().exhausted) throw budget.exceededError(modelId);
    const granted = budget.reserve(modelId, request);
    if (granted === undefined && budget.state().exhausted) throw budget.exceededError(modelId);
    return granted;
  };
  return budget.changes.pipe(
    startWith(undefined), // the first try, before any change
    map(attempt),
    filter((granted) => granted !== undefined),
    take(1),
  );
}

/** Settles `reservation` once: with the real usage, released (nothing done), or at its worst case. */
function closerOf(budget: Budget, reservation: BudgetReservation): (how: 'usage' | 'release' | 'worst', usage?: Usage, serviceTier?: string) => void {
  let closed = false;
  return (how, usage, serviceTier) => {
    if (closed) return;
    closed = true;
    if (how === 'usage') budget.settle(reservation, usage!, serviceTier);
    else if (how === 'release') budget.release(reservation);
    else budget.settle(reservation, reservation.usage);
  };
}

/** The server answered with an HTTP error status: it did no work for this attempt. */
function answeredWithStatus(error: unknown): boolean {
  return isLlmError(error) && error.status !== undefined && error.status >= 400;
}
