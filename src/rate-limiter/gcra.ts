import type { RateLimits, ReserveRequest, ReserveResult } from './rate-limiter-store.js';

/** Milliseconds in the minute that `rpm` and `tpm` are counted over. */
const MINUTE_MS = 60_000;

/**
 * Waits this short count as none: slots are sums of `60_000 / rpm`, whose floating-point error would otherwise push a
 * slot that is due a hair past its whole-millisecond timer.
 */
export const GRID_EPSILON_MS = 1e-6;

/** The state of one rate-limit key: theoretical arrival times of the request and token clocks, and the pause. */
export interface GcraState {
  requestTat: number;
  tokenTat: number;
  pausedUntil: number;
}

/** A fresh, idle state. */
export function createGcraState(): GcraState {
  return { requestTat: 0, tokenTat: 0, pausedUntil: 0 };
}

/**
 * GCRA check-and-take, as specified on `RateLimiterStore`: grants and advances both clocks when the request
 * conforms at `nowMs`, otherwise leaves `state` untouched and returns the exact wait (not rounded: the caller keeps to
 * the `60_000 / rpm` grid with it, and rounds only its timer).
 */
export function gcraReserve(state: GcraState, request: ReserveRequest, nowMs: number): ReserveResult {
  if (nowMs < state.pausedUntil) return { granted: false, waitMs: state.pausedUntil - nowMs };
  const requestWait = state.requestTat - burstTolerance(request) - nowMs;
  const tokens = tokensCounted(request);
  let tokenWait = 0;
  if (request.tpm !== undefined) {
    const allowance = tokensToMs(request.tokenBurst - Math.min(tokens, request.tokenBurst), request.tpm);
    tokenWait = state.tokenTat - allowance - nowMs;
  }
  const wait = Math.max(requestWait, tokenWait);
  if (wait > GRID_EPSILON_MS) return { granted: false, waitMs: wait };
  state.requestTat = Math.max(state.requestTat, nowMs) + MINUTE_MS / request.rpm;
  if (request.tpm !== undefined) state.tokenTat = Math.max(state.tokenTat, nowMs) + tokensToMs(tokens, request.tpm);
  return { granted: true, waitMs: 0 };
}

/** Charges (`tokens > 0`) or refunds (`tokens < 0`) the token clock; a refund never moves it before `nowMs`. */
export function gcraAdjust(state: GcraState, tokens: number, limits: RateLimits, nowMs: number): void {
  if (limits.tpm === undefined || !Number.isFinite(tokens) || tokens === 0) return;
  const shift = tokensToMs(tokens, limits.tpm);
  if (shift > 0) state.tokenTat = Math.max(state.tokenTat, nowMs) + shift;
  else if (state.tokenTat > nowMs) state.tokenTat = Math.max(nowMs, state.tokenTat + shift);
}

/** Extends the pause to `untilMs` and spends the burst allowance, so requests resume one interval apart. */
export function gcraPauseUntil(state: GcraState, untilMs: number, limits: RateLimits): void {
  if (!Number.isFinite(untilMs)) return;
  state.pausedUntil = Math.max(state.pausedUntil, untilMs);
  state.requestTat = Math.max(state.requestTat, untilMs + burstTolerance(limits));
}

/** τ: how far ahead of now the request clock may run, `(burst - 1) · 60_000 / rpm`. */
function burstTolerance(limits: RateLimits): number {
  return ((limits.burst - 1) * MINUTE_MS) / limits.rpm;
}

function tokensToMs(tokens: number, tpm: number): number {
  return (tokens * MINUTE_MS) / tpm;
}

function tokensCounted(request: ReserveRequest): number {
  return Number.isFinite(request.tokens) && request.tokens > 0 ? request.tokens : 0;
}
