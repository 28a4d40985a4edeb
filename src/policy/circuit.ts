/**
 * A per-target circuit breaker for fallbacks: after `failures` retryable failures in a row a target
 * is skipped for `cooldownMs`; the first call after the cooldown tries it again (half-open).
 * Pure: state in, state out; the clock is passed in.
 */
export interface CircuitState {
  failures: number;
  openUntil: number;
}

export const CLOSED: CircuitState = { failures: 0, openUntil: 0 };

export function isOpen(s: CircuitState | undefined, now: number): boolean {
  return s !== undefined && s.openUntil > now;
}

export function recordResult(s: CircuitState | undefined, ok: boolean, now: number, cfg: { failures: number; cooldownMs: number }): CircuitState {
  if (ok) return CLOSED;
  const failures = (s?.failures ?? 0) + 1;
  return { failures, openUntil: failures >= cfg.failures ? now + cfg.cooldownMs : (s?.openUntil ?? 0) };
}
