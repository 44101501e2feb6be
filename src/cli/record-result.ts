import { BudgetExceededError, type ChatResult, failedResultLine, type LlmError, okResultLine, type ResultContext } from '../index.js';

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
 * @param prepared - The model, the structured-output schema and the results file.
 * @param session - The run's shared state.
 * @throws whatever writing the line throws.
 */
export function recordResult(result: ChatResult, options: RunOptions, { model, structured, checkpoint }: PreparedRun, session: RunSession): void {
  const { pending, stats } = session;
  const entry = pending.get(result.index);
  if (entry === undefined) return;
  pending.delete(result.index);
  const now = session.now();
  const sentAt = entry.sentAt ?? now; // never sent (an invalid prompt): no time in flight
  const latencyMs = Math.round(now - sentAt);
  const queuedMs = Math.round(sentAt - entry.startedAt);
  const context: ResultContext = {
    id: entry.line.id,
    index: entry.line.index,
    model: model.model,
    // streamEach's items carry no attempt count: the progress recorder counted this prompt's requests.
    attempts: options.stream ? entry.attempts : result.attempts,
    latencyMs,
    queuedMs,
    ...(entry.line.meta === undefined ? {} : { meta: entry.line.meta }),
  };
  if (!result.ok && (result.error.fatal || result.error instanceof BudgetExceededError)) {
    recordUnsent(result.error, session);
    return;
  }
  stats.recordQueued(queuedMs);
  if (result.ok) {
    const parsed = structured?.parse(result.response.text, {
      provider: model.provider.id,
      finishReason: result.response.finishReason,
      usage: result.response.usage,
      ...(result.response.requestId === undefined ? {} : { requestId: result.response.requestId }),
    });
    if (parsed !== undefined && !parsed.ok) {
      checkpoint.append(failedResultLine(context, parsed.error));
      stats.recordFailed(latencyMs, result.response.usage, result.response.model || model.model);
      return;
    }
    checkpoint.append(okResultLine(context, result.response, parsed?.ok === true ? parsed.value : undefined));
    stats.recordOk(result.response.usage, result.response.model || model.model, latencyMs, result.response.serviceTier);
    return;
  }
  checkpoint.append(failedResultLine(context, result.error));
  stats.recordFailed(latencyMs);
}

/** A fatal error (not recorded, so a resume sends it) or a budget refusal (counted as not sent; stops the reading). */
function recordUnsent(error: LlmError, session: RunSession): void {
  if (error.fatal) return;
  session.stats.notSent += 1;
  session.reachBudget();
}
