import { describe, expect, it } from 'vitest';
import { MemoryRunStore } from '../../src/storage/memory/run-store.js';
import type { RunRef } from '../../src/storage/run-types.js';
import { describeRunStore } from './run-store.contract.js';

describeRunStore('memory', async () => {
  const s = new MemoryRunStore();
  return [s, s, s];
});

const ref = (runId: string): RunRef => ({ team: 't', runId });

describe('MemoryRunStore', () => {
  it('keeps at most maxRuns, dropping the least recently active', async () => {
    const s = new MemoryRunStore(100);
    for (let i = 0; i < 250; i++) await s.save(ref(`r${i}`), {}, 0, i, 60_000);
    expect(s.size).toBe(100);
    expect(await s.load(ref('r149'))).toBeNull();
    expect(await s.load(ref('r150'))).not.toBeNull();
  });

  it('moves an updated run to the recent end: listed first, evicted last', async () => {
    const s = new MemoryRunStore(3);
    for (const id of ['r0', 'r1', 'r2']) await s.save(ref(id), { id }, 0, 1, 60_000);
    s.mutate(ref('r0'), () => ({ id: 'new' }), () => ({ lastAt: 2, result: null }), 60_000);
    await s.save(ref('r1'), { id: 'r1', v: 2 }, 1, 3, 60_000);
    expect((await s.recent(10)).map((r) => r.runId)).toEqual(['r1', 'r0', 'r2']);
    await s.save(ref('r3'), {}, 0, 4, 60_000);
    expect(await s.load(ref('r2'))).toBeNull();
    expect((await s.recent(10)).map((r) => r.runId)).toEqual(['r3', 'r1', 'r0']);
    expect(await s.load(ref('r0'))).toEqual({ state: { id: 'r0' }, version: 2 });
  });

  it('counts runs of every team against maxRuns and forgets a team whose runs are all gone', async () => {
    const s = new MemoryRunStore(2);
    await s.save({ team: 'a', runId: 'r' }, {}, 0, 1, 60_000);
    await s.save({ team: 'b', runId: 'r' }, {}, 0, 2, 60_000);
    await s.save({ team: 'c', runId: 'q' }, {}, 0, 3, 60_000);
    expect(s.size).toBe(2);
    expect(await s.teamsOf('r')).toEqual(['b']);
    expect(await s.recent(10, 'a')).toEqual([]);
  });
});
