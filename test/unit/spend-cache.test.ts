/** The per-day spend cache answers exactly what one query over the whole range answers, and picks up late rows after its TTL. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpendDayCache } from '../../src/analytics/spend-cache.js';
import { appendInBatches, seedRows } from '../../src/demo/seed.js';
import { openStore } from '../../src/storage/index.js';
import type { SpendGroup, Store } from '../../src/storage/types.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 25, 15, 30);
let store: Store;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-spend-cache-'));
  store = await openStore({ kind: 'sqlite', path: join(dir, 'ledger.db') });
  await store.migrate();
  await appendInBatches(store, seedRows({ now: NOW, days: 20, callsPerDay: 30 }));
  // Today's calls (the live edge) too.
  const today = [...seedRows({ now: NOW + DAY, days: 1, callsPerDay: 5, seed: 3 })].filter((r) => r.startedAt < NOW).map((r) => ({ ...r, id: `today${r.id}` }));
  await store.appendCalls(today);
  // Routed, downgraded and cached calls, for the savings report.
  const routed = [...seedRows({ now: NOW, days: 20, callsPerDay: 4, seed: 5 })].map((r, i) => ({
    ...r,
    id: `routed${r.id}`,
    route: i % 3 === 0 ? 'cache' : i % 3 === 1 ? 'rule:cheap' : 'downgrade:team:growth/month',
    cacheHit: i % 3 === 0,
    savedNanos: 1000 * (i + 1),
    requestHash: null,
  }));
  await store.appendCalls(routed);
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SpendDayCache', () => {
  const ranges: [string, number, number | undefined][] = [
    ['month to now', Date.UTC(2026, 10, 1), undefined],
    ['7 days, unaligned', NOW - 7 * DAY + 12_345, undefined],
    ['a past window with ragged edges', NOW - 15 * DAY - 3_600_000, NOW - 4 * DAY + 777],
    ['one day', NOW - 3 * DAY, NOW - 2 * DAY],
  ];
  for (const groupBy of ['day', 'team', 'model'] as SpendGroup[]) {
    for (const [name, from, to] of ranges) {
      it(`${groupBy}, ${name}: equals a single query (twice, the second from the cache)`, async () => {
        const cache = new SpendDayCache(store);
        const direct = await store.spend({ groupBy, from, to });
        expect(direct.length).toBeGreaterThan(0);
        const sorted = (rows: typeof direct) => [...rows].sort((a, b) => (a.group ?? '').localeCompare(b.group ?? ''));
        expect(sorted(await cache.spend({ groupBy, from, to }, NOW))).toEqual(sorted(direct));
        expect(sorted(await cache.spend({ groupBy, from, to }, NOW + 1000))).toEqual(sorted(direct));
      });
    }
  }

  for (const [name, from, to] of ranges) {
    it(`savings by team, ${name}: equals a single query`, async () => {
      const cache = new SpendDayCache(store);
      const direct = await store.savings({ groupBy: 'team', from, to });
      expect(direct.length).toBeGreaterThan(0);
      const key = (r: { group: string | null; reason: string }) => `${r.group}/${r.reason}`;
      const sorted = (rows: typeof direct) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
      expect(sorted(await cache.savings({ groupBy: 'team', from, to }, NOW))).toEqual(sorted(direct));
      expect(sorted(await cache.savings({ groupBy: 'team', from, to }, NOW + 5))).toEqual(sorted(direct));
    });
  }

  it('respects the team filter', async () => {
    const cache = new SpendDayCache(store);
    const from = NOW - 10 * DAY;
    const direct = await store.spend({ groupBy: 'day', from, team: 'growth' });
    const cached = await cache.spend({ groupBy: 'day', from, team: 'growth' }, NOW);
    expect(cached.reduce((s, r) => s + r.costNanos, 0)).toBe(direct.reduce((s, r) => s + r.costNanos, 0));
    const all = await cache.spend({ groupBy: 'day', from }, NOW);
    expect(all.reduce((s, r) => s + r.costNanos, 0)).toBeGreaterThan(direct.reduce((s, r) => s + r.costNanos, 0));
  });

  it('shows a late row for a past day once the cached day expires', async () => {
    const cache = new SpendDayCache(store);
    const from = NOW - 6 * DAY;
    const before = (await cache.spend({ groupBy: 'team', from }, NOW)).find((r) => r.group === 'data')!.costNanos;
    const [late] = [...seedRows({ now: NOW - 3 * DAY, days: 1, callsPerDay: 1, seed: 99 })].filter((r) => r.team === 'data');
    await store.appendCalls([{ ...late!, id: 'late-row', costNanos: 123_456_789 }]);
    expect((await cache.spend({ groupBy: 'team', from }, NOW + 60_000)).find((r) => r.group === 'data')!.costNanos).toBe(before);
    expect((await cache.spend({ groupBy: 'team', from }, NOW + 11 * 60_000)).find((r) => r.group === 'data')!.costNanos).toBe(before + 123_456_789);
  });
});
