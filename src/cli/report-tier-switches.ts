import { distinct, mergeMap, type Subscription } from 'rxjs';
import type { RunSession } from './run-session.js';

/**
 * Says each model switch to the fallback tier once, as it happens: a model that lacks the `--service-tier` asked
 * for goes at `--fallback-tier` for the rest of the run (one line per model, not one failure per prompt).
 *
 * @param session - Whose progress tracker is watched and whose display shows the line.
 * @returns The subscription, to end with the run.
 */
export function reportTierSwitches(session: RunSession): Subscription {
  return session.tracker.progress$
    .pipe(
      mergeMap((progress) => progress.tierSwitches),
      distinct(),
    )
    .subscribe({ next: (warning) => session.say(`warning: ${warning}`), error: () => undefined });
}
