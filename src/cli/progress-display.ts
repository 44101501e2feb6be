import cliProgress from 'cli-progress';
import { formatCost, formatCount, formatDuration, formatTokens } from './format-figures.js';
import type { PipelineFigures, RunStats } from './run-stats.js';

/** Where progress goes: a live bar, periodic lines, or nowhere. */
export interface ProgressDisplay {
  /** Starts drawing. */
  start(): void;
  /** Prints a message (a warning) without breaking the bar. */
  log(message: string): void;
  /** Draws the final state and releases the terminal. Safe to call twice. */
  stop(): void;
}

/** Options of `createProgressDisplay`. */
export interface ProgressDisplayOptions {
  /** `bar`: a live `cli-progress` bar (for a TTY); `lines`: a plain line every `intervalMs`; `none`. */
  mode: 'bar' | 'lines' | 'none';
  /** The stream drawn on, normally stderr. */
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stats: RunStats;
  /** Requests in flight, retries and rate, from the pipeline's progress tracker. */
  figures: () => PipelineFigures;
  /** Interval of the plain lines. @defaultValue `2000` */
  intervalMs?: number;
}

/**
 * Creates the progress display of `rxllm run`: a `cli-progress` bar (done / failed / in flight, rpm, tokens, cost,
 * ETA) redrawn ten times a second on a TTY, or one plain `rxllm:` line every `intervalMs` for logs and CI.
 *
 * @example
 * ```ts
 * const display = createProgressDisplay({ mode: process.stderr.isTTY ? 'bar' : 'lines', stream: process.stderr, stats, figures });
 * display.start();
 * // … run …
 * display.stop();
 * ```
 */
export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  if (options.mode === 'bar') return barDisplay(options);
  if (options.mode === 'lines') return linesDisplay(options);
  return {
    start: () => undefined,
    log: (message) => {
      options.stream.write(`${message}\n`);
    },
    stop: () => undefined,
  };
}

/** One line describing the run so far, as the plain display prints it. */
export function describeProgress(stats: RunStats, figures: PipelineFigures, etaMs: number | undefined): string {
  const parts = [
    `${formatCount(stats.accounted)}${stats.total === undefined ? '' : `/${formatCount(stats.total)}`}` +
      (stats.total === undefined || stats.total === 0 ? '' : ` (${((100 * stats.accounted) / stats.total).toFixed(1)}%)`),
    ...outcomeParts(stats),
    `in flight ${figures.inFlight}`,
    `${Math.round(figures.requestsPerMinute)} rpm`,
    `${formatTokens(stats.inputTokens + stats.outputTokens)} tokens`,
  ];
  if (stats.costKnown && stats.ok > 0) parts.push(formatCost(stats.cost));
  if (figures.retries > 0) parts.push(`${formatCount(figures.retries)} retries`);
  parts.push(`elapsed ${formatDuration(stats.elapsedMs())}`);
  if (stats.stopping) parts.push('stopping');
  else if (etaMs !== undefined) parts.push(`eta ${formatDuration(etaMs)}`);
  return parts.join(' | ');
}

function linesDisplay({ stream, stats, figures, intervalMs = 2_000 }: ProgressDisplayOptions): ProgressDisplay {
  let timer: NodeJS.Timeout | undefined;
  const print = () => {
    stream.write(`rxllm: ${describeProgress(stats, figures(), stats.etaMs())}\n`);
  };
  return {
    start: () => {
      timer ??= setInterval(print, intervalMs);
      timer.unref();
    },
    log: (message) => {
      stream.write(`${message}\n`);
    },
    stop: () => {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
    },
  };
}

function barDisplay({ stream, stats, figures }: ProgressDisplayOptions): ProgressDisplay {
  const bars = new cliProgress.MultiBar({
    stream,
    fps: 10,
    hideCursor: true,
    clearOnComplete: false,
    barsize: 24,
    format: (_options, params) => renderBar(params.maxWidth || 80, stats, figures()),
  });
  let started = false;
  let stopped = false;
  return {
    start: () => {
      if (started) return;
      started = true;
      // The bar's own value and total are unused: the format function reads the live figures at every redraw.
      bars.create(1, 0);
    },
    log: (message) => {
      if (!started || stopped) stream.write(`${message}\n`);
      else bars.log(`${message}\n`);
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      if (started) bars.stop();
    },
  };
}

function renderBar(maxWidth: number, stats: RunStats, figures: PipelineFigures): string {
  const value = stats.accounted;
  const total = stats.total;
  const known = total !== undefined && total > 0;
  const ratio = known ? Math.min(1, value / total) : 0;
  const eta = stats.etaMs();
  const size = maxWidth >= 120 ? 24 : maxWidth >= 90 ? 16 : 10;
  const filled = Math.round(ratio * size);
  const bar = known ? `${'█'.repeat(filled)}${'░'.repeat(size - filled)}` : '░'.repeat(size);
  // Most important first; trailing parts are dropped until the line fits the terminal.
  const parts = [
    `${bar} ${known ? `${Math.floor(ratio * 100)}%` : '…'} ${formatCount(value)}${known ? `/${formatCount(total)}` : ''}`,
    ...outcomeParts(stats),
    `in flight ${figures.inFlight}`,
    stats.stopping ? 'stopping' : `ETA ${eta === undefined ? '?' : formatDuration(eta)}`,
    `${Math.round(figures.requestsPerMinute)} rpm`,
    `${formatTokens(stats.inputTokens + stats.outputTokens)} tok`,
  ];
  if (stats.costKnown && stats.ok > 0) parts.push(formatCost(stats.cost));
  let line = parts.join(' | ');
  while (parts.length > 1 && line.length > maxWidth - 1) {
    parts.pop();
    line = parts.join(' | ');
  }
  return line;
}

/**
 * The outcomes that make up the count of accounted lines: ok and failed in this run, then (when non-zero) skipped as
 * already in the results file, bad lines and prompts the budget kept back; so that on a resumed run the parts add up
 * to the count beside the bar (issue 20: `367/1,000 | ok 37` hid the 330 skipped).
 */
function outcomeParts(stats: RunStats): string[] {
  const parts = [`ok ${formatCount(stats.ok)}`, `failed ${formatCount(stats.failed)}`];
  if (stats.skipped > 0) parts.push(`skipped ${formatCount(stats.skipped)}`);
  if (stats.badLines > 0) parts.push(`bad lines ${formatCount(stats.badLines)}`);
  if (stats.notSent > 0) parts.push(`not sent ${formatCount(stats.notSent)}`);
  return parts;
}
