import { first, type Subscription } from 'rxjs';
import { formatDuration } from './format-figures.js';
import type { RunSession } from './run-session.js';

/** The longest wait `rxllm run` honours when a server asks for one (`retry.maxRetryAfterMs`). */
export const CLI_MAX_RETRY_AFTER_MS = 60_000;

/**
 * Says once per run, when a response's headers first ask for a wait above the cap, that the run does not wait: the
 * durations only, never a header's value or a key (issue 17: a day-long wait used to stall the run silently).
 *
 * @param session - Whose progress tracker is watched and whose display shows the line.
 * @returns The subscription, to end with the run.
 */
export function reportRefusedWaits(session: RunSession): Subscription {
  return session.tracker.progress$.pipe(first((progress) => progress.refusedWaits > 0)).subscribe({
    next: ({ longestRefusedWaitMs }) =>
      session.say(
        `the server asked to wait ${formatDuration(longestRefusedWaitMs)}; not waiting longer than ${formatDuration(CLI_MAX_RETRY_AFTER_MS)} (the cap on server-asked waits)`,
      ),
    error: () => undefined, // the tracker never fails; `first` on a completed tracker is no refusal to report
  });
}
