// The in-process counters' lease set (one lease inline, a Map past it) against a plain Map.
import { describe, expect, it } from 'vitest';
import { LeaseSet, type Lease } from '../../src/storage/memory/lease-set.js';

describe('LeaseSet', () => {
  it('holds, replaces, removes and expires leases as a Map of them does', () => {
    const set = new LeaseSet();
    const ref = new Map<string, Lease>();
    let x = 99;
    const next = (n: number): number => ((x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0) % n);
    for (let step = 0; step < 5_000; step++) {
      const id = `c${next(4)}`;
      const op = next(10);
      if (op < 5) {
        const lease = { amount: 1 + next(100), expiresAt: 1_000 + next(1_000) };
        set.set(id, lease);
        ref.set(id, lease);
      } else if (op < 8) {
        expect(set.delete(id)).toBe(ref.get(id));
        ref.delete(id);
      } else {
        const now = 1_000 + next(1_000);
        let reserved = 0;
        let earliest = Infinity;
        for (const [k, l] of ref) {
          if (l.expiresAt <= now) ref.delete(k);
          else {
            reserved += l.amount;
            earliest = Math.min(earliest, l.expiresAt);
          }
        }
        expect(set.dropExpired(now)).toEqual({ reserved, next: earliest });
      }
      for (const k of ['c0', 'c1', 'c2', 'c3']) expect(set.get(k)).toBe(ref.get(k));
    }
  });
});
