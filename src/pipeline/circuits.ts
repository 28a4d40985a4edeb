/** The circuit breakers of fallback targets, per instance (policy/circuit.ts decides). */
import { isOpen, recordResult, type CircuitState } from '../policy/circuit.js';

export class Circuits {
  private readonly states = new Map<string, CircuitState>();

  constructor(private readonly cfg: { failures: number; cooldownMs: number }) {}

  isOpen(target: string, now: number): boolean {
    return isOpen(this.states.get(target), now);
  }

  record(target: string, ok: boolean, now: number): void {
    if (ok && !this.states.has(target)) return;
    this.states.set(target, recordResult(this.states.get(target), ok, now, this.cfg));
  }
}
