/** The contract every RunStore backend passes; `make` returns several handles on one backend. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { updateRun, updateRunInPlace, type RunRef, type RunStore } from '../../src/storage/run-types.js';

const ref = (runId: string, team = 'team-a'): RunRef => ({ team, runId });

export function describeRunStore(name: string, make: () => Promise<RunStore[]>): void {
  describe(`RunStore contract: ${name}`, () => {
    async function withStores(fn: (s: RunStore[]) => Promise<void>): Promise<void> {
      const stores = await make();
      try {
        await fn(stores);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    }

    it('saves with compare-and-set on the version', () =>
      withStores(async ([s]) => {
        const id = ref(`run-${randomUUID()}`);
        expect(await s!.load(id)).toBeNull();
        expect(await s!.save(id, { n: 1 }, 0, 1, 60_000)).toBe(true);
        expect(await s!.save(id, { n: 9 }, 0, 1, 60_000)).toBe(false);
        expect(await s!.load(id)).toEqual({ state: { n: 1 }, version: 1 });
        expect(await s!.save(id, { n: 2 }, 1, 2, 60_000)).toBe(true);
        expect((await s!.load(id))?.state).toEqual({ n: 2 });
      }));

    it('loses no update when several clients update one run concurrently', () =>
      withStores(async (stores) => {
        const id = ref(`run-${randomUUID()}`);
        await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            updateRun(stores[i % stores.length]!, id, () => ({ calls: 0 }), (st: { calls: number }) => ({ state: { calls: st.calls + 1 }, lastAt: i, result: null }), 60_000),
          ),
        );
        expect((await stores[0]!.load(id))!.state).toEqual({ calls: 60 });
      }));

    it('loses no update when the state is changed in place, mixed with copying updates', () =>
      withStores(async (stores) => {
        const id = ref(`run-${randomUUID()}`);
        await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            i % 3 === 0
              ? updateRun(stores[i % stores.length]!, id, () => ({ calls: 0 }), (st: { calls: number }) => ({ state: { calls: st.calls + 1 }, lastAt: i, result: null }), 60_000)
              : updateRunInPlace(stores[i % stores.length]!, id, () => ({ calls: 0 }), (st: { calls: number }) => {
                  st.calls++;
                  return { lastAt: i, result: st.calls };
                }, 60_000),
          ),
        );
        const found = await stores[0]!.load(id);
        expect(found!.state).toEqual({ calls: 60 });
        expect(found!.version).toBe(60);
        const { state, result } = await updateRunInPlace(stores[0]!, id, () => ({ calls: 0 }), (st: { calls: number }) => ({ lastAt: 61, result: ++st.calls }), 60_000);
        expect(result).toBe(61);
        expect(state).toEqual({ calls: 61 });
        expect((await stores[0]!.load(id))!.state).toEqual({ calls: 61 });
      }));

    it('lists recently active runs, newest first', () =>
      withStores(async ([s]) => {
        const a = `run-a-${randomUUID()}`;
        const b = `run-b-${randomUUID()}`;
        await s!.save(ref(a), {}, 0, Date.now(), 60_000);
        await s!.save(ref(b), {}, 0, Date.now() + 1, 60_000);
        const ids = (await s!.recent(1000)).map((r) => r.runId);
        expect(ids.indexOf(b)).toBeLessThan(ids.indexOf(a));
        expect(ids.indexOf(a)).toBeGreaterThanOrEqual(0);
      }));

    it('forgets a run that went quiet', () =>
      withStores(async ([s]) => {
        const id = ref(`run-${randomUUID()}`);
        await s!.save(id, {}, 0, 1, 150);
        await new Promise((r) => setTimeout(r, 300));
        expect(await s!.load(id)).toBeNull();
      }));

    it('keeps the same run id of two teams apart: own state, own version, listed per team, found under both', () =>
      withStores(async ([s, other]) => {
        const runId = `shared-${randomUUID()}`;
        // Team names with the characters a naive key would trip on.
        const [a, b] = [`alpha:${randomUUID()}`, `beta/${randomUUID()} x`];
        expect(await s!.save(ref(runId, a), { team: 'a' }, 0, Date.now(), 60_000)).toBe(true);
        expect(await s!.load(ref(runId, b))).toBeNull();
        // A first save for b expects version 0: a's run does not count.
        expect(await other!.save(ref(runId, b), { team: 'b' }, 0, Date.now() + 1, 60_000)).toBe(true);
        await updateRunInPlace(s!, ref(runId, a), () => ({ team: 'new' }), () => ({ lastAt: Date.now() + 2, result: null }), 60_000);
        expect(await other!.load(ref(runId, a))).toEqual({ state: { team: 'a' }, version: 2 });
        expect(await s!.load(ref(runId, b))).toEqual({ state: { team: 'b' }, version: 1 });
        expect(await other!.teamsOf(runId)).toEqual([a, b].sort());
        expect(await s!.teamsOf(`absent-${randomUUID()}`)).toEqual([]);
        expect(await s!.recent(10, a)).toEqual([{ team: a, runId, state: { team: 'a' } }]);
        expect(await s!.recent(10, b)).toEqual([{ team: b, runId, state: { team: 'b' } }]);
        const all = (await other!.recent(1000)).filter((r) => r.runId === runId);
        expect(all.map((r) => r.team)).toEqual([a, b]);
      }));
  });
}
