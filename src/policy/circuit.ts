/**
 * A per-target circuit breaker for fallbacks: after `failures` retryable failures in a row a target
 * is skipped for `cooldownMs` (open). When the cooldown ends the circuit is half-open: exactly one
 * call (the probe) tries the target while the others keep skipping it; the probe's success closes the
 * circuit, its failure opens it for another cooldown. A probe that never reports (its call ended some
 * other way) holds the target for at most `probeMs` (the cooldown unless given), then another call probes.
 * Pure: state in, state out; the clock is passed in.
 */
export interface CircuitState {
  failures: number;
  /** When the cooldown ends; 0 while the circuit is closed. */
  openUntil: number;
  /** Half-open with a probe in flight: until when the probe holds the target; 0 when none is. */
  probeUntil: number;
}

export interface CircuitConfig {
  failures: number;
  cooldownMs: number;
  /** How long a probe may hold a half-open target (default: cooldownMs). */
  probeMs?: number;
}

export const CLOSED: CircuitState = { failures: 0, openUntil: 0, probeUntil: 0 };

/** Whether a call must skip the target now: open (cooling down), or half-open with a probe in flight. */
export function isOpen(s: CircuitState | undefined, now: number): boolean {
  return s !== undefined && (s.openUntil > now || s.probeUntil > now);
}

export interface Admission {
  /** Whether the call may try the target. */
  allowed: boolean;
  /** Whether it does so as the half-open circuit's probe (it then holds the target until it reports). */
  probe: boolean;
  state: CircuitState | undefined;
}

/** A call about to try the target: closed, it may; open, it may not; half-open, the first caller is the probe. */
export function admit(s: CircuitState | undefined, now: number, cfg: CircuitConfig): Admission {
  if (s === undefined || s.openUntil === 0) return { allowed: true, probe: false, state: s };
  if (isOpen(s, now)) return { allowed: false, probe: false, state: s };
  return { allowed: true, probe: true, state: { ...s, probeUntil: now + (cfg.probeMs ?? cfg.cooldownMs) } };
}

/** The outcome of a try: a success closes the circuit; a retryable failure counts, and opens it at the threshold (a failed probe reopens it). */
export function recordResult(s: CircuitState | undefined, ok: boolean, now: number, cfg: CircuitConfig): CircuitState {
  if (ok) return CLOSED;
  const failures = (s?.failures ?? 0) + 1;
  if (failures >= cfg.failures) return { failures, openUntil: now + cfg.cooldownMs, probeUntil: 0 };
  return { failures, openUntil: s?.openUntil ?? 0, probeUntil: s?.probeUntil ?? 0 };
}

/** A probe that ended without a verdict (a non-retryable error, the client left): the next call probes instead. */
export function releaseProbe(s: CircuitState | undefined): CircuitState | undefined {
  return s === undefined || s.probeUntil === 0 ? s : { ...s, probeUntil: 0 };
}
