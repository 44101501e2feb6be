import { Subject } from 'rxjs';
import { type Budget, progressTracker, type ProgressTracker, usageBudget } from '../index.js';
import type { RunOptions } from './parse-run-args.js';
import type { PromptLine } from './parse-prompt-line.js';
import { formatDuration } from './format-figures.js';
import { createProgressDisplay, type ProgressDisplay } from './progress-display.js';
import { RunStats } from './run-stats.js';

/** One prompt between being pulled into the pipeline and its outcome. */
export interface Pending {
  line: PromptLine;
  /** When it took a slot (was pulled into the pipeline). */
  startedAt: number;
  /** When its first request was sent (the limiter granted its turn); unset while it waits. */
  sentAt?: number;
  /** Requests sent for it, retries included. */
  attempts: number;
}

/** The longest wait `rxllm run` honours when a server asks for one (`retry.maxRetryAfterMs`). */
export const CLI_MAX_RETRY_AFTER_MS = 60_000;

/** What the phases of one `rxllm run` share: figures, display, the prompts in flight and the reasons to stop. */
export class RunSession {
  readonly now = () => performance.now();
  readonly stats: RunStats;
  /**
   * The pipeline's progress tracker, also noting in `pending` when each prompt's first request was sent and how many
   * requests it took (the pipeline tells the recorder each prompt's index), and saying a refused wait (once) and each
   * tier switch (once) as the pipeline reports them. Nothing subscribes to its `progress$`: that would build a
   * snapshot on every event, four per request (issue 25: 7 % of the CLI's CPU on a million prompts); the display
   * reads `snapshot()` when it draws.
   */
  readonly tracker: ProgressTracker = this.#notingTracker(progressTracker());
  readonly display: ProgressDisplay;
  readonly budget: Budget | undefined;
  /** Prompts pulled into the pipeline, by their pipeline index. */
  readonly pending = new Map<number, Pending>();
  /** Emits to stop reading prompts (Ctrl-C, the budget, `--on-error return`). */
  readonly stop$ = new Subject<void>();
  /** The bad line that stopped the run (`--bad-lines fail`). */
  badLineStop: string | undefined;
  /** The input was read to its end. */
  inputDone = false;
  private budgetReached = false;
  #waitRefusalSaid = false;
  readonly #tierSwitchesSaid = new Set<string>();

  constructor(options: RunOptions, modelId: string, stderr: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.stats = new RunStats(modelId, this.now);
    // Whatever stops the reading, the run will not reach its total: no more ETA.
    this.stop$.subscribe(() => (this.stats.stopping = true));
    const mode = options.progress === 'auto' ? (stderr.isTTY === true ? 'bar' : 'lines') : options.progress; // a bar needs a TTY
    this.display = createProgressDisplay({
      mode,
      stream: stderr,
      stats: this.stats,
      figures: () => this.tracker.snapshot(),
      intervalMs: options.progressIntervalMs,
    });
    this.budget =
      options.maxCost === undefined && options.maxTotalTokens === undefined
        ? undefined
        : usageBudget({
            ...(options.maxCost === undefined ? {} : { maxCost: options.maxCost }),
            ...(options.maxTotalTokens === undefined ? {} : { maxTotalTokens: options.maxTotalTokens }),
          });
  }

  #notingTracker(inner: ProgressTracker): ProgressTracker {
    return {
      ...inner,
      promptSubmitted: (index) => {
        inner.promptSubmitted(index);
        const entry = index === undefined ? undefined : this.pending.get(index);
        if (entry !== undefined) entry.sentAt = this.now();
      },
      requestSent: (index) => {
        inner.requestSent(index);
        const entry = index === undefined ? undefined : this.pending.get(index);
        if (entry !== undefined) entry.attempts += 1;
      },
      waitRefused: (waitMs) => {
        inner.waitRefused(waitMs);
        if (this.#waitRefusalSaid) return;
        this.#waitRefusalSaid = true;
        // Issue 17: the durations only, never a header's value or a key.
        this.say(
          `the server asked to wait ${formatDuration(waitMs)}; not waiting longer than ${formatDuration(CLI_MAX_RETRY_AFTER_MS)} (the cap on server-asked waits)`,
        );
      },
      tierSwitched: (warning) => {
        inner.tierSwitched(warning);
        if (this.#tierSwitchesSaid.has(warning)) return;
        this.#tierSwitchesSaid.add(warning);
        this.say(`warning: ${warning}`);
      },
    };
  }

  /** Shows a message above the progress display, prefixed `rxllm: `. */
  say(message: string): void {
    this.display.log(`rxllm: ${message}`);
  }

  /** True once the budget is spent (checked before each prompt is pulled in); says so, and stops reading, once. */
  budgetSpent(): boolean {
    if (this.budget?.state().exhausted === true) this.reachBudget();
    return this.budgetReached;
  }

  /** The budget refused a prompt: every later one would be refused too, so stop reading the input. */
  reachBudget(): void {
    if (this.budgetReached) return;
    this.budgetReached = true;
    this.say('budget reached: sending nothing new (a request could overrun it)');
    this.stop$.next();
  }
}
