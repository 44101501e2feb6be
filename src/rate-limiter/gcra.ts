import type { RateLimits, ReserveRequest, ReserveResult, TokenParts } from './rate-limiter-store.js';

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
  /** Separate input and output budgets: the input- and output-token clocks (used only with `inputTpm` / `outputTpm`). */
  inputTokenTat: number;
  outputTokenTat: number;
}

/** A fresh, idle state. */
export function createGcraState(): GcraState {
  return { requestTat: 0, tokenTat: 0, pausedUntil: 0, inputTokenTat: 0, outputTokenTat: 0 };
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
  let wait = Math.max(requestWait, tokenWait);
  const split = request.inputTpm !== undefined || request.outputTpm !== undefined;
  if (split) for (const part of PARTS) {
    const clock = partClock(request, part);
    if (clock !== undefined) wait = Math.max(wait, state[part.tat] - clock.allowanceMs(count(request[part.tokens])) - nowMs);
  }
  if (wait > GRID_EPSILON_MS) return { granted: false, waitMs: wait };
  state.requestTat = Math.max(state.requestTat, nowMs) + MINUTE_MS / request.rpm;
  if (request.tpm !== undefined) state.tokenTat = Math.max(state.tokenTat, nowMs) + tokensToMs(tokens, request.tpm);
  if (split) for (const part of PARTS) {
    const clock = partClock(request, part);
    if (clock !== undefined) state[part.tat] = Math.max(state[part.tat], nowMs) + clock.costMs(count(request[part.tokens]));
  }
  return { granted: true, waitMs: 0 };
}

/** The input and output parts of a request's tokens, each with its own clock when its limit is set. */
const PARTS = [
  { tat: 'inputTokenTat', tokens: 'inputTokens', tpm: 'inputTpm', burst: 'inputTokenBurst' },
  { tat: 'outputTokenTat', tokens: 'outputTokens', tpm: 'outputTpm', burst: 'outputTokenBurst' },
] as const;

type Part = (typeof PARTS)[number];

/** A part's clock: the ms its tokens advance it, and the burst allowance left for a request of that many. */
function partClock(limits: RateLimits, part: Part): { costMs: (tokens: number) => number; allowanceMs: (tokens: number) => number } | undefined {
  const tpm = limits[part.tpm];
  if (tpm === undefined) return undefined;
  const burst = limits[part.burst] ?? tpm / 60;
  return {
    costMs: (tokens) => tokensToMs(tokens, tpm),
    allowanceMs: (tokens) => tokensToMs(burst - Math.min(tokens, burst), tpm),
  };
}

/** Corrects the input and output clocks as `gcraAdjust` does the token clock (`parts` are differences from the estimate). */
export function gcraAdjustParts(state: GcraState, parts: TokenParts, limits: RateLimits, nowMs: number): void {
  for (const part of PARTS) {
    const tpm = limits[part.tpm];
    const tokens = parts[part.tokens];
    if (tpm === undefined || typeof tokens !== 'number' || !Number.isFinite(tokens) || tokens === 0) continue;
    const shift = tokensToMs(tokens, tpm);
    if (shift > 0) state[part.tat] = Math.max(state[part.tat], nowMs) + shift;
    else if (state[part.tat] > nowMs) state[part.tat] = Math.max(nowMs, state[part.tat] + shift);
  }
}

function count(tokens: number | undefined): number {
  return typeof tokens === 'number' && Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
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
