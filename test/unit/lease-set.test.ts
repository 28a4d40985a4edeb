// The in-process counters' lease set (CallSlots: parallel arrays, a hash index of slots past a few calls) against a plain Map.
import { describe, expect, it } from 'vitest';
import { CallSlots } from '../../src/storage/memory/call-slots.js';
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

describe('CallSlots', () => {
  it('finds every id through the hash index, the empty id and ids that differ in one character included', () => {
    const slots = new CallSlots();
    const ids = ['', ...Array.from({ length: 100 }, (_, i) => `call_0000019ae3b2c4d5${String(i).padStart(16, '0')}`)];
    for (const id of ids) expect(slots.find(id)).toBe(-1);
    for (const id of ids) slots.add(id);
    for (const [i, id] of ids.entries()) expect(slots.idAt(slots.find(id))).toBe(ids[i]);
    // Remove every other id: the rest are still found, the removed are not.
    for (let i = 0; i < ids.length; i += 2) slots.removeAt(slots.find(ids[i]!));
    for (const [i, id] of ids.entries()) expect(slots.find(id) >= 0).toBe(i % 2 === 1);
    expect(slots.size).toBe(50);
  });
});
