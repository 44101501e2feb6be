import type { Reservation } from '../../rate-limiter/rate-limiter-types.js';

/**
 * Settles a turn with what the request really spent: `limited` tokens in all (what counts against the provider's
 * budget), of which `outputTokens` were output, so separate input and output budgets (`inputTpm`, `outputTpm`) are
 * corrected too. A request that produced nothing settles at its input estimate with `outputTokens` 0.
 */
export function settleUsage(reservation: Reservation, limited: number, outputTokens: number): void {
  const output = Number.isFinite(outputTokens) && outputTokens > 0 ? outputTokens : 0;
  reservation.settle(limited, { inputTokens: Math.max(0, limited - output), outputTokens: output });
}
