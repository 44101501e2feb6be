import { rename, writeFile } from 'node:fs/promises';
import {
  batchChat,
  type BatchJobProgress,
  batchJobStatus,
  type ChatModel,
  chatModel,
  failedResultLine,
  formatResultLine,
  IdSet,
  isLlmError,
  okResultLine,
} from '../index.js';
import { ExitCode } from './exit-codes.js';
import { handleSignals } from './handle-signals.js';
import { openInput, type PromptsInput } from './open-input.js';
import type { BatchOptions } from './parse-batch-args.js';
import type { PromptLine } from './parse-prompt-line.js';
import { readPrompts } from './read-prompts.js';
import { UsageError } from './usage-error.js';

/** What `rxllm batch` needs from the process. */
export interface BatchContext {
  stdin: PromptsInput;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Where SIGINT / SIGTERM handlers are installed. @defaultValue `process` */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Runs `rxllm batch`: reads every prompt (the `rxllm run` input format), sends them through the provider's Batch API
 * with the job state in `<output>.batch-state.json` (so re-running the same command resumes the same batches), shows
 * each batch's phase and counts on stderr, and writes the results file (the `rxllm run` result format, input order;
 * prompts never run are left out) once the job has ended or been cancelled. `--status` prints where the job stands
 * and exits without waiting. The first Ctrl-C cancels the provider batches and writes what they returned.
 *
 * @returns The exit code: 0 all answered, 1 some failed or were not run, 130 / 143 interrupted.
 */
export async function batchCommand(options: BatchOptions, context: BatchContext): Promise<ExitCode> {
  const { stderr, stdout } = context;
  const model = createModel(options);
  const statePath = `${options.output}.batch-state.json`;
  if (options.status) {
    const status = await batchJobStatus(model, statePath);
    stdout.write(status === undefined ? `no batch job for ${options.output} yet (${statePath} does not exist)\n` : formatStatus(status).join('\n') + '\n');
    return ExitCode.ok;
  }
  const lines = await readAll(options.input, context);
  const controller = new AbortController();
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  const removeSignals = handleSignals(context.signals ?? process, {
    first: (signal) => {
      interrupted = signal;
      stderr.write(`rxllm: ${signal}: cancelling the provider batches and keeping what they return…\n`);
      controller.abort(new Error(signal));
    },
    again: () => undefined,
  });
  let shown = '';
  try {
    const results = await batchChat(
      model,
      lines.map((line) => line.prompt),
      {
        statePath,
        pollInterval: options.pollIntervalMs,
        signal: controller.signal,
        onAbort: 'resolve',
        resubmit: options.resubmit,
        resubmitRounds: options.resubmitRounds,
        params: options.params,
        ...(options.maxBatchRequests === undefined ? {} : { batchLimits: { maxRequests: options.maxBatchRequests } }),
        onProgress: (progress) => {
          if (options.quiet) return;
          const text = formatStatus(progress).join('\n');
          if (text !== shown) stderr.write(`${text}\n`);
          shown = text;
        },
      },
    );
    const out: string[] = [];
    let failed = 0;
    let answered = 0;
    results.forEach((result, position) => {
      const line = lines[position]!;
      const context = { id: line.id, index: line.index, model: model.model, attempts: 1, latencyMs: 0, ...(line.meta === undefined ? {} : { meta: line.meta }) };
      if (result === null) {
        failed += 1;
        return;
      }
      if (isLlmError(result)) failed += 1;
      else answered += 1;
      out.push(`${formatResultLine(isLlmError(result) ? failedResultLine(context, result) : okResultLine(context, result))}\n`);
    });
    const temporary = `${options.output}.${process.pid}.tmp`;
    await writeFile(temporary, out.join(''));
    await rename(temporary, options.output);
    if (!options.quiet) stderr.write(`rxllm: ${answered} of ${lines.length} answered; results in ${options.output}\n`);
    if (interrupted !== undefined) return interrupted === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
    return failed === 0 ? ExitCode.ok : ExitCode.someFailed;
  } finally {
    removeSignals();
  }
}

function createModel(options: BatchOptions): ChatModel {
  const model = chatModel(options.model, {
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    ...(options.batchApi ? { batchApi: true } : {}),
  });
  if (model.provider.batch === undefined) {
    throw new UsageError(`--model ${options.model}: this provider has no Batch API here (pass --batch-api if --base-url serves one)`, 'batch');
  }
  return model;
}

async function readAll(path: string, context: BatchContext): Promise<PromptLine[]> {
  const lines: PromptLine[] = [];
  const input = await openInput(path, context.stdin);
  for await (const line of readPrompts(input, { done: new IdSet(), onBadLine: (bad) => context.stderr.write(`rxllm: skipped ${bad.message}\n`) })) {
    lines.push(line);
  }
  return lines;
}

/** One summary line (submitted / validating / in progress / completed counts), then one line per batch. */
export function formatStatus(progress: BatchJobProgress): string[] {
  const count = (test: (phase: string) => boolean) => progress.batches.filter((batch) => test(batch.phase)).length;
  const summary =
    `batch job: ${progress.batches.length} batches submitted · ${count((phase) => phase === 'validating')} validating · ` +
    `${count((phase) => phase === 'in_progress' || phase === 'finalizing' || phase === 'cancelling')} in progress · ${count((phase) => phase === 'ended')} ended · ` +
    `${progress.collected}/${progress.total} prompts collected${progress.waiting > 0 ? ` · ${progress.waiting} waiting to be submitted` : ''}`;
  return [
    summary,
    ...progress.batches.map(
      (batch) =>
        `  ${batch.id} (round ${batch.round}): ${batch.outcome ?? batch.phase} · ${batch.completed}/${batch.requests} completed${batch.failed > 0 ? ` · ${batch.failed} failed` : ''}`,
    ),
  ];
}
