import { describe, expect, it } from 'vitest';
import { admit, CLOSED, isOpen, recordResult, releaseProbe, type CircuitState } from '../../src/policy/circuit.js';

const cfg = { failures: 2, cooldownMs: 1000 };
/** Opened at t=100: cooling down until t=1100. */
function opened(): CircuitState {
  return recordResult(recordResult(undefined, false, 0, cfg), false, 100, cfg);
}

describe('circuit breaker: half-open', () => {
  it('lets calls through while closed, none while open', () => {
    expect(admit(undefined, 0, cfg)).toMatchObject({ allowed: true, probe: false });
    const one = recordResult(undefined, false, 0, cfg);
    expect(admit(one, 1, cfg)).toMatchObject({ allowed: true, probe: false });
    expect(admit(opened(), 500, cfg)).toMatchObject({ allowed: false, probe: false });
    expect(isOpen(opened(), 1099)).toBe(true);
  });

  it('after the cooldown, admits exactly one probe; the others keep skipping the target', () => {
    const s = opened();
    expect(isOpen(s, 1100)).toBe(false);
    const first = admit(s, 1100, cfg);
    expect(first).toMatchObject({ allowed: true, probe: true });
    // The probe holds the target: every other call skips it.
    expect(isOpen(first.state, 1101)).toBe(true);
    for (const t of [1100, 1101, 1500, 2099]) expect(admit(first.state, t, cfg)).toMatchObject({ allowed: false, probe: false });
    // The state passed in is not changed (pure).
    expect(s.probeUntil).toBe(0);
  });

  it("closes on the probe's success and opens again for another cooldown on its failure", () => {
    const probing = admit(opened(), 1100, cfg).state;
    const ok = recordResult(probing, true, 1200, cfg);
    expect(ok).toEqual(CLOSED);
    expect(admit(ok, 1201, cfg)).toMatchObject({ allowed: true, probe: false });

    const failed = recordResult(probing, false, 1200, cfg);
    expect(failed).toMatchObject({ openUntil: 2200, probeUntil: 0 });
    expect(admit(failed, 2199, cfg).allowed).toBe(false);
    expect(admit(failed, 2200, cfg)).toMatchObject({ allowed: true, probe: true });
  });

  it('does not wedge on a probe that never reports: another call probes once its time is up', () => {
    const probing = admit(opened(), 1100, cfg).state;
    expect(admit(probing, 2099, cfg).allowed).toBe(false);
    expect(admit(probing, 2100, cfg)).toMatchObject({ allowed: true, probe: true });
    // With its own bound.
    const short = admit(opened(), 1100, { ...cfg, probeMs: 50 }).state;
    expect(admit(short, 1149, cfg).allowed).toBe(false);
    expect(admit(short, 1150, cfg)).toMatchObject({ allowed: true, probe: true });
  });

  it('frees the target for the next probe when the probe ends without a verdict', () => {
    const probing = admit(opened(), 1100, cfg).state;
    const released = releaseProbe(probing);
    expect(released).toMatchObject({ openUntil: 1100, probeUntil: 0 });
    expect(admit(released, 1101, cfg)).toMatchObject({ allowed: true, probe: true });
    expect(releaseProbe(undefined)).toBeUndefined();
  });
});
