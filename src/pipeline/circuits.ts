/** The circuit breakers of fallback targets, per instance (policy/circuit.ts decides). */
import { admit, isOpen, recordResult, releaseProbe, type CircuitConfig, type CircuitState } from '../policy/circuit.js';

export class Circuits {
  private readonly states = new Map<string, CircuitState>();

  constructor(private readonly cfg: CircuitConfig) {}

  /** Whether calls skip the target now (open, or half-open with a probe in flight). */
  isOpen(target: string, now: number): boolean {
    return isOpen(this.states.get(target), now);
  }

  /** A call is about to try the target: whether it may, and whether it is the half-open circuit's probe. */
  admit(target: string, now: number): { allowed: boolean; probe: boolean } {
    const s = this.states.get(target);
    if (s === undefined) return { allowed: true, probe: false };
    const a = admit(s, now, this.cfg);
    if (a.state !== s && a.state !== undefined) this.states.set(target, a.state);
    return { allowed: a.allowed, probe: a.probe };
  }

  record(target: string, ok: boolean, now: number): void {
    if (ok && !this.states.has(target)) return;
    this.states.set(target, recordResult(this.states.get(target), ok, now, this.cfg));
  }

  /** The probe's call ended without telling whether the target works: free the target for the next probe. */
  release(target: string): void {
    const s = releaseProbe(this.states.get(target));
    if (s !== undefined) this.states.set(target, s);
  }
}
