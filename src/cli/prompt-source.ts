import { map, type Observable, takeUntil, takeWhile, tap } from 'rxjs';
import { type Prompt, pullPrompts } from '../index.js';
import type { RunOptions } from './parse-run-args.js';
import type { PreparedRun } from './prepare-run.js';
import { readPrompts } from './read-prompts.js';
import type { RunSession } from './run-session.js';

/**
 * The prompts of `rxllm run`, pulled lazily as the pipeline frees slots: lines already in the results file are
 * skipped, bad lines counted (and, with `--bad-lines fail`, the reason kept), and reading stops on `stop$` or once
 * the budget is spent. Each prompt pulled in is noted in `session.pending` under its pipeline index.
 *
 * @param options - The parsed flags.
 * @param prepared - The opened input, the resume scan and the structured-output schema.
 * @param session - The run's shared state.
 * @returns A cold Observable of prompts.
 */
export function promptSource(options: RunOptions, { input, scan, structured }: PreparedRun, session: RunSession): Observable<Prompt> {
  const { stats } = session;
  let ordinal = 0;
  const lines = readPrompts(input, {
    done: scan.done,
    badLines: options.badLines,
    onBadLine: (bad) => {
      stats.badLines += 1;
      if (options.badLines === 'fail') session.badLineStop = bad.message;
      else session.say(`${bad.message} (skipped)`);
    },
    onSkipped: () => {
      stats.skipped += 1;
    },
  });
  return pullPrompts(lines, { readAhead: 0 }).pipe(
    tap({ complete: () => (session.inputDone = true) }),
    takeUntil(session.stop$),
    takeWhile(() => !session.budgetSpent()),
    map((line) => {
      session.pending.set(ordinal++, { line, startedAt: session.now(), attempts: 0 });
      return structured === undefined ? line.prompt : structured.apply(line.prompt);
    }),
  );
}
