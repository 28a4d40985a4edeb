/**
 * Store.callGroups over every backend: a seeded random ledger (ties in time, shared hashes across teams,
 * calls before the window) summed by the store, grouped by any subset of its columns, must equal the same
 * sums counted call by call in ledger order, the way the ROI report used to read the ledger. Run by value-sqlite.test.ts and value-postgres.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { random } from '../../src/demo/seed.js';
import type { CallGroupQuery, CallGroupRow, CallRow } from '../../src/storage/types.js';
import type { MakeStore } from './store.contract.js';

const MIN = 60_000;
/** 2026-11-24T00:00:00Z */
const T0 = Date.UTC(2026, 10, 24);

function ledger(n: number, seed: number): CallRow[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const rows: CallRow[] = [];
  for (let i = 0; i < n; i++) {
    // Coarse times (7-minute steps from 2 h before the window) so that calls tie on startedAt.
    const startedAt = T0 - 2 * 60 * MIN + Math.floor(rnd() * 60) * 7 * MIN;
    rows.push({
      id: `${pick(['a', 'B', 'z', '_'])}${i}`, startedAt, firstByteAt: null, endedAt: startedAt + 100, keyId: 'k',
      team: pick(['alpha', 'beta']), user: null, project: pick(['p1', 'p2', null]), run: pick(['r1', 'r2', 'r3', null]),
      agent: pick(['coder', null]), parent: null, tags: null, endpoint: 'chat', stream: false, provider: 'p', requestedModel: 'm',
      servedModel: pick(['big', 'small', null]), inputTokens: Math.floor(rnd() * 50), cachedInputTokens: Math.floor(rnd() * 10),
      cacheWrite5mTokens: pick([0, 0, 5]), cacheWrite1hTokens: pick([0, 0, 3]), outputTokens: 7, reasoningTokens: 0,
      costNanos: Math.floor(rnd() * 5_000_000), estimated: false, status: pick(['ok', 'ok', 'error'] as const), httpStatus: 200,
      errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false, savedNanos: 0,
      requestHash: pick(['h1', 'h2', 'h3', null]),
      webSearches: 0,
      serviceTier: null,
    });
  }
  return rows;
}

/** The sums counted call by call in (startedAt, id byte) order. */
function byScan(rows: CallRow[], q: CallGroupQuery): CallGroupRow[] {
  const sorted = rows.filter((c) => c.startedAt >= q.from - q.repeats.withinMs && c.startedAt < q.to);
  sorted.sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const seen = new Map<string, number>();
  const groups = new Map<string, CallGroupRow>();
  for (const c of sorted) {
    const key = c.requestHash === null ? null : `${c.team}\u0000${c.requestHash}`;
    const prev = key === null ? undefined : seen.get(key);
    if (key !== null) seen.set(key, c.startedAt);
    if (c.startedAt < q.from) continue;
    const asked = <T>(k: CallGroupQuery['by'][number], v: T): T | null => (q.by.includes(k) ? v : null);
    const at = { project: asked('project', c.project), run: asked('run', c.run), agent: asked('agent', c.agent), model: asked('model', c.servedModel) };
    const k = JSON.stringify([c.team, at.project, at.run, at.agent, at.model]);
    const g = groups.get(k) ?? { team: c.team, ...at, calls: 0, okCalls: 0, costNanos: 0, repeats: 0 };
    groups.set(k, g);
    g.calls += 1;
    g.okCalls += c.status === 'ok' ? 1 : 0;
    g.costNanos += c.costNanos;
    const prompt = c.inputTokens + c.cachedInputTokens + c.cacheWrite5mTokens + c.cacheWrite1hTokens;
    if (prev !== undefined && c.startedAt - prev < q.repeats.withinMs && prompt <= q.repeats.maxPromptTokens) g.repeats += 1;
  }
  return [...groups.values()];
}

const sorted = (rows: CallGroupRow[]): CallGroupRow[] => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

export function describeCallGroups(name: string, make: MakeStore): void {
  describe(`call groups (ROI's read of the ledger): ${name}`, () => {
    it('equals a call-by-call count, repeats included, for several windows, groupings and thresholds', async () => {
      const { store, cleanup } = await make();
      try {
        await store.migrate();
        const rows = ledger(600, 11);
        await store.appendCalls(rows);
        const queries: CallGroupQuery[] = [
          { from: T0, to: T0 + 4 * 60 * MIN, by: ['project', 'run', 'agent', 'model'], repeats: { withinMs: 60 * MIN, maxPromptTokens: 64 } },
          { from: T0 + 7 * MIN, to: T0 + 5 * 60 * MIN, by: ['model', 'run'], repeats: { withinMs: 14 * MIN, maxPromptTokens: 40 } },
          { from: T0 - 2 * 60 * MIN, to: T0 + 8 * 60 * MIN, by: ['agent'], repeats: { withinMs: 7 * MIN, maxPromptTokens: 1_000 } },
          { from: T0, to: T0 + 6 * 60 * MIN, by: [], repeats: { withinMs: 60 * MIN, maxPromptTokens: 64 } },
        ];
        for (const q of queries) {
          const expected = byScan(rows, q);
          // The ledger must exercise every part of the sum.
          expect(expected.reduce((s, g) => s + g.repeats, 0)).toBeGreaterThan(10);
          expect(expected.some((g) => g.okCalls < g.calls)).toBe(true);
          expect(sorted(await store.callGroups(q))).toEqual(sorted(expected));
        }
        expect(await store.callGroups({ from: T0 + 100 * 60 * MIN, to: T0 + 101 * 60 * MIN, by: ['run'], repeats: { withinMs: MIN, maxPromptTokens: 64 } })).toEqual([]);
      } finally {
        await store.close();
        await cleanup();
      }
    });
  });
}
