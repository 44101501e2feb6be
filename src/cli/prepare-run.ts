import { resolve as resolvePath } from 'node:path';
import { type ChatModel, openResultsCheckpoint, priceOf, type ResultsCheckpoint, type ResultsScan, type StructuredOutput } from '../index.js';
import { createCliModel } from './create-cli-model.js';
import { createSharedLimiter, type SharedLimiter } from './create-shared-limiter.js';
import { loadStructuredSchema } from './load-structured-schema.js';
import { openInput, type PromptsInput } from './open-input.js';
import type { RunOptions } from './parse-run-args.js';
import { UsageError } from './usage-error.js';

/** What `rxllm run` opened and checked before sending anything. */
export interface PreparedRun {
  model: ChatModel;
  structured: StructuredOutput<unknown> | undefined;
  input: PromptsInput;
  /** What the results file already holds (a resume). */
  scan: ResultsScan;
  /** The results file, locked and open for appending. */
  checkpoint: ResultsCheckpoint;
  /** `--redis`: the limiter whose budget is shared with other processes, and its connection. */
  shared: SharedLimiter | undefined;
}

/**
 * The startup checks of `rxllm run`: the results file is not the prompts file, the model is known (and priced when
 * `--max-cost` is set), the structured-output schema loads, the prompts open, the results file is locked, then scanned
 * and opened for appending. Nothing is left open when one fails.
 *
 * @param options - The parsed flags.
 * @param stdin - The process's standard input, for `-`.
 * @returns What the run needs.
 * @throws UsageError for a bad combination of flags or an unknown model; FatalCliError when a file cannot be used.
 */
export async function prepareRun(options: RunOptions, stdin: PromptsInput): Promise<PreparedRun> {
  if (options.input !== '-' && resolvePath(options.input) === resolvePath(options.output)) {
    throw new UsageError('the results file (-o) must not be the prompts file', 'run');
  }
  const model = createCliModel(options);
  if (options.maxCost !== undefined && priceOf(model.id) === undefined) {
    throw new UsageError(`--max-cost: no price is known for ${model.id}, so a cost budget cannot be kept (use --max-total-tokens)`, 'run');
  }
  const structured = options.structured === undefined ? undefined : await loadStructuredSchema(options.structured);
  const shared = await createSharedLimiter(options);
  let input: PromptsInput | undefined;
  try {
    input = await openInput(options.input, stdin);
    const checkpoint = await openResultsCheckpoint(options.output, { retryFailed: options.retryFailed });
    return { model, structured, input, scan: checkpoint.scan, checkpoint, shared };
  } catch (error) {
    if (input !== undefined && input !== stdin) input.destroy?.();
    void shared?.close();
    throw error;
  }
}
