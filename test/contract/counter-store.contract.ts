/**
 * The contract every CounterStore backend must pass. `make` returns several handles sharing one
 * backend (for Redis: separate connections, as separate gateway instances would have).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { periodWindow } from '../../src/policy/period.js';
import type { CounterStore } from '../../src/storage/counter-types.js';

export function describeCounterStore(name: string, make: () => Promise<CounterStore[]>): void {
  describe(`CounterStore contract: ${name}`, () => {
    const T = Date.parse('2026-11-25T10:00:00Z');
    const fresh = (): string => `test:${randomUUID()}`;
    const item = (key: string, limit: number, amount: number) => ({ key, limit, amount, ttlSeconds: 3600 });

    async function withStores<T>(fn: (stores: CounterStore[]) => Promise<T>): Promise<T> {
      const stores = await make();
      try {
        return await fn(stores);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    }

    it('reserves all or nothing across counters', () =>
      withStores(async ([s]) => {
        const a = fresh();
        const b = fresh();
        expect(await s!.acquire({ callId: 'c1', items: [item(a, 100, 60), item(b, 50, 10)], leaseMs: 60_000, now: T })).toEqual({ ok: true, before: [{ used: 0, reserved: 0 }, { used: 0, reserved: 0 }] });
        const r = await s!.acquire({ callId: 'c2', items: [item(a, 100, 30), item(b, 50, 45)], leaseMs: 60_000, now: T });
        expect(r).toEqual({ ok: false, index: 1, before: [{ used: 0, reserved: 60 }, { used: 0, reserved: 10 }] });
        // c2 reserved nothing on a either.
        expect(await s!.read([a, b], T)).toEqual([{ used: 0, reserved: 60 }, { used: 0, reserved: 10 }]);
        // The limit is inclusive.
        expect((await s!.acquire({ callId: 'c3', items: [item(a, 100, 40)], leaseMs: 60_000, now: T })).ok).toBe(true);
        expect((await s!.acquire({ callId: 'c4', items: [item(a, 100, 1)], leaseMs: 60_000, now: T })).ok).toBe(false);
      }));

    it('commit replaces the reservation with the actual amount; release frees it', () =>
      withStores(async ([s]) => {
        const a = fresh();
        await s!.acquire({ callId: 'c1', items: [item(a, 1000, 300)], leaseMs: 60_000, now: T });
        await s!.acquire({ callId: 'c2', items: [item(a, 1000, 200)], leaseMs: 60_000, now: T });
        expect(await s!.commit('c1', [{ key: a, actual: 120, ttlSeconds: 3600 }], T)).toEqual([{ used: 120, reserved: 200 }]);
        await s!.release('c2', [a], T);
        expect(await s!.read([a], T)).toEqual([{ used: 120, reserved: 0 }]);
        // Committing twice for one call does not double count the reservation.
        await s!.commit('c1', [{ key: a, actual: 0, ttlSeconds: 3600 }], T);
        expect(await s!.read([a], T)).toEqual([{ used: 120, reserved: 0 }]);
      }));

    it('lets a reservation expire with its lease, and still counts a late commit', () =>
      withStores(async ([s]) => {
        const a = fresh();
        await s!.acquire({ callId: 'dead', items: [item(a, 100, 100)], leaseMs: 1000, now: T });
        expect((await s!.acquire({ callId: 'x', items: [item(a, 100, 1)], leaseMs: 1000, now: T + 999 })).ok).toBe(false);
        expect(await s!.read([a], T + 1000)).toEqual([{ used: 0, reserved: 0 }]);
        expect((await s!.acquire({ callId: 'y', items: [item(a, 100, 100)], leaseMs: 1000, now: T + 1001 })).ok).toBe(true);
        await s!.commit('dead', [{ key: a, actual: 7, ttlSeconds: 3600 }], T + 1002);
        expect(await s!.read([a], T + 1002)).toEqual([{ used: 7, reserved: 100 }]);
      }));

    it('renews leases of calls in flight', () =>
      withStores(async ([s]) => {
        const a = fresh();
        await s!.acquire({ callId: 'long', items: [item(a, 100, 50)], leaseMs: 1000, now: T });
        await s!.renew([{ callId: 'long', keys: [a] }], 1000, T + 900);
        expect(await s!.read([a], T + 1500)).toEqual([{ used: 0, reserved: 50 }]);
        expect(await s!.read([a], T + 1901)).toEqual([{ used: 0, reserved: 0 }]);
      }));

    it('keeps a lease that a renewal shortened to its new expiry', () =>
      withStores(async ([s]) => {
        const a = fresh();
        await s!.acquire({ callId: 'long', items: [item(a, 100, 50)], leaseMs: 60_000, now: T });
        await s!.acquire({ callId: 'other', items: [item(a, 100, 20)], leaseMs: 60_000, now: T });
        // A gateway configured with a shorter lease renews: the lease now ends at T + 1500.
        await s!.renew([{ callId: 'long', keys: [a] }], 1000, T + 500);
        expect(await s!.read([a], T + 1499)).toEqual([{ used: 0, reserved: 70 }]);
        expect(await s!.read([a], T + 1500)).toEqual([{ used: 0, reserved: 20 }]);
      }));

    it('expires many leases at once, keeping the live ones', () =>
      withStores(async ([s]) => {
        const a = fresh();
        await Promise.all(
          Array.from({ length: 1200 }, (_, i) =>
            s!.acquire({ callId: `c${i}`, items: [item(a, 1_000_000, i % 2 === 0 ? 3 : 5)], leaseMs: i % 2 === 0 ? 1000 : 5000, now: T }),
          ),
        );
        expect(await s!.read([a], T + 999)).toEqual([{ used: 0, reserved: 600 * 3 + 600 * 5 }]);
        expect(await s!.read([a], T + 1000)).toEqual([{ used: 0, reserved: 600 * 5 }]);
        // A commit of an expired lease counts its actual and leaves the live ones alone.
        expect(await s!.commit('c0', [{ key: a, actual: 2, ttlSeconds: 3600 }], T + 1001)).toEqual([{ used: 2, reserved: 600 * 5 }]);
        expect(await s!.commit('c1', [{ key: a, actual: 4, ttlSeconds: 3600 }], T + 1001)).toEqual([{ used: 6, reserved: 599 * 5 }]);
        expect(await s!.read([a], T + 5000)).toEqual([{ used: 6, reserved: 0 }]);
      }));

    it('starts a new period at the boundary (injected clock)', () =>
      withStores(async ([s]) => {
        const base = fresh();
        const end = Date.parse('2026-12-01T00:00:00Z');
        const key = (now: number): string => `${base}:${periodWindow('month', 'UTC', now).key}`;
        await s!.acquire({ callId: 'a', items: [item(key(end - 1), 100, 100)], leaseMs: 60_000, now: end - 1 });
        await s!.commit('a', [{ key: key(end - 1), actual: 100, ttlSeconds: 3600 }], end - 1);
        expect((await s!.acquire({ callId: 'b', items: [item(key(end - 1), 100, 1)], leaseMs: 60_000, now: end - 1 })).ok).toBe(false);
        expect(await s!.acquire({ callId: 'c', items: [item(key(end), 100, 100)], leaseMs: 60_000, now: end })).toEqual({ ok: true, before: [{ used: 0, reserved: 0 }] });
      }));

    it('never admits more than the limit under concurrent reserves from several clients', () =>
      withStores(async (stores) => {
        const a = fresh();
        const results = await Promise.all(
          Array.from({ length: 600 }, (_, i) =>
            stores[i % stores.length]!.acquire({ callId: `c${i}`, items: [item(a, 1000, 7)], leaseMs: 60_000, now: T }),
          ),
        );
        const admitted = results.filter((r) => r.ok).length;
        expect(admitted).toBe(Math.floor(1000 / 7));
        const [state] = await stores[0]!.read([a], T);
        expect(state).toEqual({ used: 0, reserved: admitted * 7 });
        // Commit concurrently from every client: used is exact.
        await Promise.all(
          results.map((r, i) => (r.ok ? stores[i % stores.length]!.commit(`c${i}`, [{ key: a, actual: 3, ttlSeconds: 3600 }], T) : undefined)),
        );
        expect(await stores[0]!.read([a], T)).toEqual([{ used: admitted * 3, reserved: 0 }]);
      }));

    it('adds directly and claims flags once', () =>
      withStores(async ([s, s2]) => {
        const a = fresh();
        await s!.add(a, 42, 3600, T);
        expect(await s!.read([a], T)).toEqual([{ used: 42, reserved: 0 }]);
        const flag = fresh();
        const other = s2 ?? s!;
        const claims = await Promise.all([s!.claim(flag, 60, T), other.claim(flag, 60, T), s!.claim(flag, 60, T)]);
        expect(claims.filter(Boolean)).toHaveLength(1);
      }));

    it('seeds a counter once across handles, the flag and the amount together', () =>
      withStores(async ([s, s2]) => {
        const a = fresh();
        const other = s2 ?? s!;
        expect(await s!.seeded(a, T)).toBe(false);
        // Two instances seed at once with what each summed: one lands, the other's amount is dropped;
        // and the one told "seeded already" finds the amount there (flag and amount land together).
        const seedAndRead = async (h: CounterStore, amount: number) => {
          const won = await h.seed(a, amount, 3600, T);
          return { won, used: (await h.read([a], T))[0]!.used };
        };
        const seeds = await Promise.all([seedAndRead(s!, 500), seedAndRead(other, 700)]);
        expect(seeds.filter((x) => x.won)).toHaveLength(1);
        const landed = seeds[0]!.won ? 500 : 700;
        expect(seeds.map((x) => x.used)).toEqual([landed, landed]);
        expect(await other.seeded(a, T)).toBe(true);
        expect(await s!.seed(a, 900, 3600, T)).toBe(false);
        // Seeded with nothing spent: seeded all the same, nothing added.
        const b = fresh();
        expect(await s!.seed(b, 0, 3600, T)).toBe(true);
        expect(await other.seeded(b, T)).toBe(true);
        expect(await s!.read([b], T)).toEqual([{ used: 0, reserved: 0 }]);
        // A counter an older gateway seeded (claim('seed:<key>'), then add) is not seeded again.
        const c = fresh();
        expect(await other.claim(`seed:${c}`, 3600, T)).toBe(true);
        await other.add(c, 300, 3600, T);
        expect(await s!.seeded(c, T)).toBe(true);
        expect(await s!.seed(c, 300, 3600, T)).toBe(false);
        expect((await s!.read([c], T))[0]!.used).toBe(300);
      }));

    it('adds owed spend only to a counter seeded before it was spent', () =>
      withStores(async ([s, s2]) => {
        const other = s2 ?? s!;
        const a = fresh();
        // Not seeded: the ledger's sum will hold the spend.
        expect(await s!.addIfSeeded(a, 40, 3600, T + 10, T)).toBe(false);
        expect(await s!.read([a], T)).toEqual([{ used: 0, reserved: 0 }]);
        expect(await other.seeded(a, T)).toBe(false);
        // Seeded at T + 5: spend settled at T was in its sum; spend settled at T + 5 or later was not.
        expect(await other.seed(a, 100, 3600, T + 5)).toBe(true);
        expect(await s!.addIfSeeded(a, 40, 3600, T + 10, T)).toBe(false);
        expect(await s!.addIfSeeded(a, 40, 3600, T + 10, T + 5)).toBe(true);
        expect(await other.read([a], T + 10)).toEqual([{ used: 140, reserved: 0 }]);
      }));
  });
}
