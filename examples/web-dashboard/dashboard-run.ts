// One dashboard run as a stream of events for the page: streamEach's items become per-card events, a progress
// tracker becomes progress events, and the run ends with an `end` event saying whether it was stopped.
import { auditTime, catchError, concat, defer, from, last, map, merge, mergeMap, type Observable, of, share, takeUntil, tap } from 'rxjs';
import { type ChatModel, costOf, type Progress, progressTracker, streamEach } from 'rxllm';

/** What the server sends the page, one JSON object per SSE message. */
export type DashboardEvent =
  | { type: 'start'; prompts: string[] }
  | { type: 'token'; index: number; text: string }
  | { type: 'done'; index: number }
  | { type: 'failed'; index: number; error: string }
  | { type: 'progress'; done: number; failed: number; total: number; inFlight: number; requestsPerMinute: number;
      tokens: number; cost: number | null }
  | { type: 'end'; stopped: boolean };

/**
 * The events of one run of `prompts` on `model`, started on subscribe. Unsubscribing aborts the requests in flight;
 * `stop$` emitting ends the run the same way, with `{ type: 'end', stopped: true }`.
 */
export function dashboardRun(model: ChatModel, modelName: string, prompts: string[], stop$: Observable<unknown>): Observable<DashboardEvent> {
  return defer(() => {
    const progress = progressTracker({ total: prompts.length });
    let stopped = false;
    const cards$ = from(prompts).pipe(
      streamEach(model, { maxActive: 4, progress, params: { maxTokens: 48 } }),
      mergeMap((item) => concat(
        item.chunks.pipe(map((chunk): DashboardEvent => ({ type: 'token', index: item.index, text: chunk.text }))),
        of<DashboardEvent>({ type: 'done', index: item.index }),
      ).pipe(
        // A failed answer marks its card (after retries); the other cards go on.
        catchError((error: Error) => of<DashboardEvent>({ type: 'failed', index: item.index, error: `${error.name}: ${error.message}` })),
      )),
      takeUntil(stop$.pipe(tap(() => (stopped = true)))),
      share(),
    );
    const toEvent = (p: Progress): DashboardEvent => ({
      type: 'progress', done: p.done, failed: p.failed, total: prompts.length, inFlight: p.inFlight,
      requestsPerMinute: Math.round(p.requestsPerMinute), tokens: p.inputTokens + p.outputTokens,
      cost: costOf(modelName, { inputTokens: p.inputTokens, outputTokens: p.outputTokens }) ?? null,
    });
    return concat(
      of<DashboardEvent>({ type: 'start', prompts }),
      merge(cards$, progress.progress$.pipe(auditTime(200), map(toEvent), takeUntil(cards$.pipe(last(undefined, null))))),
      defer(() => of(toEvent(progress.snapshot()), { type: 'end', stopped } as const)),
    );
  });
}
