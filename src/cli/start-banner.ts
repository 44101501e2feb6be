import { formatCount } from './format-figures.js';
import type { RunOptions } from './parse-run-args.js';
import type { ResultsScan } from '../index.js';

/**
 * The lines `rxllm run` prints as it starts (each gets the `rxllm: ` prefix): input, output, model and limits; a torn
 * last line removed from the results file; what a resume skips.
 *
 * @param options - The parsed flags.
 * @param modelId - The model's `provider/model` id.
 * @param scan - What the results file already holds.
 * @returns The messages, in order.
 */
export function startBanner(options: RunOptions, modelId: string, scan: ResultsScan): string[] {
  const limits = [`${options.maxActive} in flight at most`];
  const auto = [options.rpm === 'auto' ? 'rpm' : undefined, options.tpm === 'auto' ? 'tpm' : undefined].filter((name) => name !== undefined);
  if (options.rpm !== 'auto') limits.push(`${options.rpm} rpm`);
  if (options.tpm !== undefined && options.tpm !== 'auto') limits.push(`${options.tpm} tpm`);
  if (auto.length > 0) limits.push(`${auto.join(' and ')} auto (paced from the provider's rate-limit headers; --rpm/--tpm set a ceiling)`);
  if (options.redis !== undefined) limits.push(`shared in Redis as "${options.limiterKey}"`);
  if (options.maxCost !== undefined) limits.push(`budget $${options.maxCost}`);
  if (options.maxTotalTokens !== undefined) limits.push(`budget ${options.maxTotalTokens} tokens`);
  const lines = [`${options.input === '-' ? 'stdin' : options.input} → ${options.output} with ${modelId}${options.stream ? ' (streaming)' : ''}: ${limits.join(', ')}`];
  if (scan.tornBytes > 0) {
    lines.push(`removed a torn last line (${scan.tornBytes} bytes) from ${options.output}: the previous run was killed mid-write`);
  }
  if (scan.ok + scan.failed > 0) lines.push(resumeLine(options, scan));
  return lines;
}

/** What a resume keeps and what it sends again: `resuming: 974 ok already in results.jsonl; 26 failed will be sent again`. */
function resumeLine({ output, retryFailed }: RunOptions, { ok, failed }: ResultsScan): string {
  if (retryFailed) {
    const resent = failed > 0 ? `; ${formatCount(failed)} failed will be sent again` : '';
    return `resuming: ${formatCount(ok)} ok already in ${output}${resent}`;
  }
  const hint = failed > 0 ? ' (use --retry-failed to send the failed again)' : '';
  return `resuming: ${formatCount(ok)} ok and ${formatCount(failed)} failed already in ${output}${hint}`;
}
