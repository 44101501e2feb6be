import { BudgetExceededError, type ChatResult } from '../index.js';
import { failedResultLine, formatResultLine, okResultLine, type ResultContext } from './format-result-line.js';
import type { RunOptions } from './parse-run-args.js';
import type { PreparedRun } from './prepare-run.js';
import type { RunSession } from './run-session.js';

/**
 * Records one outcome of `rxllm run`: appends its line to the results file (a success whose structured output does
 * not parse is recorded as a failure) and counts it. Fatal errors (fix the key or the credit, re-run) and budget
 * refusals are not recorded, so that a resume sends them; a budget refusal stops reading the input.
 *
 * @param result - The pipeline's result.
 * @param options - The parsed flags.
 * @param prepared - The model, the structured-output schema and the results writer.
 * @param session - The run's shared state.
 * @throws whatever writing the line throws.
 */
export function recordResult(result: ChatResult, options: RunOptions, { model, structured, writer }: PreparedRun, session: RunSession): void {
  const { pending, stats } = session;
  const entry = pending.get(result.index);
  if (entry === undefined) return;
  pending.delete(result.index);
  const context: ResultContext = {
    id: entry.line.id,
    index: entry.line.index,
    model: model.model,
    // streamEach does not report attempts per prompt.
    attempts: options.stream ? null : result.attempts,
    latencyMs: Math.round(session.now() - entry.startedAt),
    ...(entry.line.meta === undefined ? {} : { meta: entry.line.meta }),
  };
  if (result.ok) {
    const parsed = structured?.parse(result.response.text, {
      provider: model.provider.id,
      finishReason: result.response.finishReason,
      usage: result.response.usage,
      ...(result.response.requestId === undefined ? {} : { requestId: result.response.requestId }),
    });
    if (parsed !== undefined && !parsed.ok) {
      writer.writeLine(formatResultLine(failedResultLine(context, parsed.error)));
      stats.recordFailed(context.latencyMs, result.response.usage, result.response.model || model.model);
      return;
    }
    writer.writeLine(formatResultLine(okResultLine(context, result.response, parsed?.ok === true ? parsed.value : undefined)));
    stats.recordOk(result.response.usage, result.response.model || model.model, context.latencyMs, result.response.serviceTier);
    return;
  }
  if (result.error.fatal) return;
  if (result.error instanceof BudgetExceededError) {
    stats.notSent += 1;
    session.reachBudget();
    return;
  }
  writer.writeLine(formatResultLine(failedResultLine(context, result.error)));
  stats.recordFailed(context.latencyMs);
}
