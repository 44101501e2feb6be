// Ratios of two clients' figures with a confidence interval, from runs paired by round.
//
// The bench alternates the clients round by round, so round i of rxllm and round i of the baseline ran back to back
// and met the same moment of a shared machine. Dividing within each pair cancels much of that noise; the spread of
// the paired ratios then gives an interval for their (geometric) mean.

/** Two-sided 95 % quantiles of Student's t, by degrees of freedom (1–30; beyond, 1.96 is close enough). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/**
 * The geometric mean of `a[i] / b[i]` over the rounds where both are finite and positive, with its 95 % interval
 * (Student's t on the log ratios). `low`/`high` are undefined with fewer than two pairs.
 * @param {number[]} a - one figure per round (NaN for a broken run)
 * @param {number[]} b - the same figure of the reference client, same rounds
 * @returns {{ ratio: number, low?: number, high?: number, pairs: number } | undefined}
 */
export function pairedRatio(a, b) {
  const logs = [];
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    if (a[i] > 0 && b[i] > 0 && Number.isFinite(a[i]) && Number.isFinite(b[i])) logs.push(Math.log(a[i] / b[i]));
  }
  if (logs.length === 0) return undefined;
  const mean = logs.reduce((sum, x) => sum + x, 0) / logs.length;
  if (logs.length < 2) return { ratio: Math.exp(mean), pairs: 1 };
  const variance = logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (logs.length - 1);
  const half = (T95[logs.length - 2] ?? 1.96) * Math.sqrt(variance / logs.length);
  return { ratio: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half), pairs: logs.length };
}
