// The in-process counters' lease set (parallel arrays; a hash index of slots past a few leases) against a plain Map.
import { describe, expect, it } from 'vitest';
import { LeaseSet } from '../../src/storage/memory/lease-set.js';

interface Lease {
  amount: number;
  expiresAt: number;
}

/** The set's view of every id, as the reference Map would give it. */
function view(set: LeaseSet, ids: string[]): (Lease | undefined)[] {
  return ids.map((k) => {
    const slot = set.find(k);
    return slot < 0 ? undefined : { amount: set.amountAt(slot), expiresAt: set.expiryAt(slot) };
  });
}

function check(set: LeaseSet, ref: Map<string, Lease>, ids: string[]): void {
  expect(set.size).toBe(ref.size);
  expect(view(set, ids)).toEqual(ids.map((k) => ref.get(k)));
}

describe('LeaseSet', () => {
  // 4 ids stay on the scan; 40 and 300 grow the index, shrink back and rebuild it as leases come and go.
  for (const population of [4, 40, 300]) {
    it(`holds, replaces, removes and expires leases as a Map of them does (${population} calls)`, () => {
      const set = new LeaseSet();
      const ref = new Map<string, Lease>();
      const ids = Array.from({ length: population }, (_, i) => `call_${i}`);
      let x = 99 + population;
      const next = (n: number): number => ((x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0) % n);
      for (let step = 0; step < 20_000; step++) {
        // Phases that fill the set and phases that drain it, so the index is built and dropped repeatedly.
        const filling = Math.floor(step / 2_000) % 2 === 0;
        const id = ids[next(population)]!;
        const op = next(20);
        if (op < (filling ? 12 : 4)) {
          const lease = { amount: 1 + next(100) * 1e9, expiresAt: 1.7e12 + next(1_000) };
          set.set(id, lease.amount, lease.expiresAt);
          ref.set(id, lease);
        } else if (op < 19) {
          expect(set.delete(id)).toBe(ref.get(id)?.amount);
          ref.delete(id);
        } else {
          const now = 1.7e12 + next(1_000);
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
        if (step % 5 === 0) check(set, ref, ids);
      }
      check(set, ref, ids);
    });
  }
});
