/**
 * The contract every `Store` backend must pass. `make` returns a fresh, not yet migrated store over empty
 * storage; the suite closes the store, then calls `cleanup` to remove what it left behind.
 */
import { describe, expect, it } from 'vitest';
import { SPEND_GROUPS } from '../../src/storage/types.js';
import type { BudgetRecord, CallFeatures, CallRow, KeyRecord, SpendGroup, SpendQuery, SpendRow, Store } from '../../src/storage/types.js';

const HOUR = 3_600_000;
/** 2026-11-24T00:00:00Z */
const T0 = Date.UTC(2026, 10, 24);

/** A ledger row with 21 tokens and plain defaults, overridden per row. */
function call(over: Partial<CallRow> & { id: string; startedAt: number }): CallRow {
  return {
    firstByteAt: over.startedAt + 50, endedAt: over.startedAt + 900, keyId: 'k1', team: 'platform', user: null, project: null,
    run: null, agent: null, parent: null, tags: null, endpoint: 'chat', stream: false, provider: 'openai', requestedModel: 'gpt-a',
    servedModel: 'gpt-a', inputTokens: 10, cachedInputTokens: 1, cacheWrite5mTokens: 2, cacheWrite1hTokens: 3, outputTokens: 4,
    reasoningTokens: 1, costNanos: 0, estimated: false, status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: null,
    attemptOf: null, route: null, cacheHit: false, savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null, features: null,
    ...over,
  };
}

const claude = { keyId: 'k2', team: 'search', provider: 'anthropic', requestedModel: 'claude-b', servedModel: 'claude-b', endpoint: 'messages' } as const;
/** The small ledger the spend and sum expectations below are computed from by hand. */
const LEDGER: CallRow[] = [
  call({ id: 'c1', startedAt: T0, user: 'ana', project: 'p1', run: 'r1', agent: 'planner', tags: 'batch,nightly', costNanos: 1_000, stream: true, serviceTier: 'default' }),
  call({ id: 'c2', startedAt: T0 + 2 * HOUR, user: 'ana', project: 'p1', run: 'r1', agent: 'coder', parent: 'c1', tags: 'batch', costNanos: 3_000_000_000 }),
  // Last millisecond of 2026-11-24, and a cost far above 2^32.
  call({ id: 'c3', startedAt: T0 + 24 * HOUR - 1, ...claude, user: 'bo', tags: 'nightly-x', costNanos: 5_000_000_000_000, estimated: true, upstreamRequestId: 'req_3', requestHash: '0123456789abcdef0123456789abcdef', webSearches: 4, serviceTier: 'priority' }),
  call({ id: 'c4', startedAt: T0 + 24 * HOUR, ...claude, project: 'p2', run: 'r2', costNanos: 7, firstByteAt: null, route: 'cache', cacheHit: true, savedNanos: 9_000_000_000_000 }),
  call({ id: 'c5', startedAt: T0 + 30 * HOUR, attemptOf: 'c4', route: 'rule:fallback', savedNanos: -5, keyId: 'k3', user: 'bo', project: 'p2', run: 'r2', provider: null, servedModel: null, costNanos: 500, status: 'error', httpStatus: 502, errorCode: 'upstream_error' }),
  call({ id: 'c6', startedAt: T0 + 49 * HOUR, user: 'cy', project: 'p1', run: 'r1', agent: 'planner', tags: 'x,batch', costNanos: 4_000_000_000, inputTokens: 3_000_000_010 }),
  call({ id: 'c7', startedAt: T0 - 1, ...claude, user: 'bo', costNanos: 11, status: 'aborted', httpStatus: 499 }),
];

/** What `spend` must return, computed in plain TypeScript: same filters, grouping and order. */
function referenceSpend(rows: CallRow[], q: SpendQuery): SpendRow[] {
  const keyOf = (r: CallRow): string | null => {
    const byGroup: Record<SpendGroup, string | null> = {
      team: r.team, user: r.user, project: r.project, key: r.keyId, model: r.servedModel, provider: r.provider,
      run: r.run, agent: r.agent, day: new Date(r.startedAt).toISOString().slice(0, 10),
    };
    return byGroup[q.groupBy];
  };
  const groups = new Map<string | null, SpendRow>();
  for (const r of rows) {
    if ((q.from !== undefined && r.startedAt < q.from) || (q.to !== undefined && r.startedAt >= q.to)) continue;
    if (q.team !== undefined && r.team !== q.team) continue;
    const key = keyOf(r);
    const g = groups.get(key) ?? { group: key, calls: 0, inputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costNanos: 0 };
    g.calls += 1;
    g.inputTokens += r.inputTokens;
    g.cachedInputTokens += r.cachedInputTokens;
    g.cacheWriteTokens += r.cacheWrite5mTokens + r.cacheWrite1hTokens;
    g.outputTokens += r.outputTokens;
    g.reasoningTokens += r.reasoningTokens;
    g.costNanos += r.costNanos;
    groups.set(key, g);
  }
  // Cost descending, then group: null first, then by code unit (byte order for ASCII).
  return [...groups.values()].sort((a, b) => b.costNanos - a.costNanos || (a.group === b.group ? 0 : a.group === null ? -1 : b.group === null ? 1 : a.group < b.group ? -1 : 1));
}

export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

export function describeStore(name: string, make: MakeStore): void {
  describe(`Store contract: ${name}`, () => {
    async function withStore(fn: (s: Store) => Promise<void>, opts: { migrate: boolean } = { migrate: true }): Promise<void> {
      const { store, cleanup } = await make();
      try {
        if (opts.migrate) await store.migrate();
        await fn(store);
      } finally {
        await store.close();
        await cleanup();
      }
    }

    it('migrates idempotently, even when asked twice at once, and keeps data', () =>
      withStore(
        async (s) => {
          await Promise.all([s.migrate(), s.migrate()]);
          const version = await s.getMeta('schema_version');
          expect(Number(version)).toBeGreaterThan(0);
          await s.setMetaIfAbsent('marker', 'kept');
          await s.migrate();
          expect(await s.getMeta('schema_version')).toBe(version);
          expect(await s.getMeta('marker')).toBe('kept');
        },
        { migrate: false },
      ));

    it('keeps meta values: the first set wins', () =>
      withStore(async (s) => {
        expect(await s.getMeta('secret')).toBeNull();
        expect(await s.setMetaIfAbsent('secret', 'a')).toBe('a');
        expect(await s.setMetaIfAbsent('secret', 'b')).toBe('a');
        expect(await s.getMeta('secret')).toBe('a');
      }));

    it('stores, lists and revokes keys, moving keysVersion with every change', () =>
      withStore(async (s) => {
        const k1: KeyRecord = { id: 'k1', hash: 'h1', name: 'ci', team: 'platform', user: 'ana', project: 'p1', models: ['gpt-a', 'claude-b'], unlimited: true, createdAt: T0 + 2, revokedAt: null };
        const k2: KeyRecord = { id: 'k2', hash: 'h2', name: null, team: 'search', user: null, project: null, models: null, unlimited: false, createdAt: T0 + 1, revokedAt: null };
        const v0 = await s.keysVersion();
        await s.insertKey(k1);
        const v1 = await s.keysVersion();
        await s.insertKey(k2);
        const v2 = await s.keysVersion();
        expect(v1).toBeGreaterThan(v0);
        expect(v2).toBeGreaterThan(v1);
        expect(await s.getKey('k1')).toEqual(k1);
        expect(await s.getKey('nope')).toBeNull();
        expect(await s.listKeys()).toEqual([k2, k1]);

        expect(await s.revokeKey('k1', T0 + 100)).toBe(true);
        const v3 = await s.keysVersion();
        expect(v3).toBeGreaterThan(v2);
        expect(await s.getKey('k1')).toEqual({ ...k1, revokedAt: T0 + 100 });
        // Revoking again keeps the first revocation time.
        expect(await s.revokeKey('k1', T0 + 200)).toBe(true);
        expect((await s.getKey('k1'))?.revokedAt).toBe(T0 + 100);
        const v4 = await s.keysVersion();
        expect(await s.revokeKey('nope', T0)).toBe(false);
        expect(await s.keysVersion()).toBe(v4);
      }));

    it('upserts, lists and deletes budgets, moving budgetsVersion with every change', () =>
      withStore(async (s) => {
        const team: BudgetRecord = { id: 'team:platform/month', scope: 'team:platform', period: 'month', limitNanos: 6_000_000_000_000, limitTokens: null, alertAt: [50, 80, 100], downgrade: null, clamp: false, source: 'api', createdAt: T0, pace: null };
        const org: BudgetRecord = { id: 'org/day', scope: 'org', period: 'day', limitNanos: 1_000, limitTokens: 3_000_000_000, alertAt: [], downgrade: { atPct: 90, model: 'gpt-mini' }, clamp: true, source: 'config', createdAt: T0 + 5, pace: { action: 'block', model: null } };
        const v0 = await s.budgetsVersion();
        await s.upsertBudget(team);
        await s.upsertBudget(org);
        const v1 = await s.budgetsVersion();
        expect(v1).toBeGreaterThan(v0);
        expect(await s.listBudgets()).toEqual([org, team]);

        // An update replaces the limits but keeps the budget's identity and creation time.
        const changed: BudgetRecord = { ...team, limitNanos: 9_000_000_000_000, limitTokens: 10, alertAt: [90], downgrade: { atPct: 75, model: 'm' }, clamp: true, source: 'config', createdAt: T0 + 999, pace: { action: 'downgrade', model: 'm' } };
        await s.upsertBudget(changed);
        const v2 = await s.budgetsVersion();
        expect(v2).toBeGreaterThan(v1);
        expect(await s.listBudgets()).toEqual([org, { ...changed, createdAt: T0 }]);

        expect(await s.deleteBudget('org/day')).toBe(true);
        const v3 = await s.budgetsVersion();
        expect(v3).toBeGreaterThan(v2);
        expect(await s.deleteBudget('org/day')).toBe(false);
        expect(await s.budgetsVersion()).toBe(v3);
        expect((await s.listBudgets()).map((b) => b.id)).toEqual(['team:platform/month']);
      }));

    it('appends calls idempotently: the same id twice is one row, and the first one stays', () =>
      withStore(async (s) => {
        expect(await s.appendCalls([])).toBe(0);
        const first = LEDGER[0]!;
        expect(await s.appendCalls([first])).toBe(1);
        // It says how many rows went in: none of a known id, one of an id repeated within the batch.
        expect(await s.appendCalls([first, { ...first, costNanos: 999 }])).toBe(0);
        expect(await s.appendCalls([LEDGER[1]!, { ...LEDGER[1]!, costNanos: 999 }, LEDGER[2]!])).toBe(2);
        expect(await s.calls({ limit: 10 })).toEqual([LEDGER[2]!, LEDGER[1]!, first]);
      }));

    it('appends a batch larger than one statement holds, all of it once', () =>
      withStore(async (s) => {
        const rows = Array.from({ length: 2500 }, (_, i) => call({ id: `bulk-${i}`, startedAt: T0 + i, run: 'bulk', costNanos: 1_000_000 }));
        expect(await s.appendCalls(rows)).toBe(2500);
        expect(await s.appendCalls([...rows.slice(1000, 1200), call({ id: 'bulk-new', startedAt: T0, run: 'other' }), ...rows.slice(0, 1500)])).toBe(1);
        expect((await s.calls({ run: 'bulk', limit: 5000 })).length).toBe(2500);
        expect((await s.sumCalls({ match: { run: 'bulk' } })).costNanos).toBe(2_500_000_000);
      }));

    it('returns calls newest first, filtered by run or team, up to the limit, exactly as written', () =>
      withStore(async (s) => {
        await s.appendCalls(LEDGER);
        const ids = (rows: CallRow[]): string[] => rows.map((r) => r.id);
        expect(ids(await s.calls({ run: 'r1', limit: 2 }))).toEqual(['c6', 'c2']);
        expect(ids(await s.calls({ team: 'search', limit: 10 }))).toEqual(['c4', 'c3', 'c7']);
        const all = await s.calls({ limit: 100 });
        expect(all).toEqual([...LEDGER].sort((a, b) => b.startedAt - a.startedAt));
      }));

    it('keeps the replay features of a call exactly, and pages oldest first through a time window', () =>
      withStore(async (s) => {
        const features: CallFeatures = {
          bytes: 1234, promptBound: 1290, outputBound: 512, choices: 2, tools: true, images: false, routeHeader: 'cheap', noCache: true,
          unlimited: false, upstreamStatus: 429,
          request: { sketch: [0xffffffff, 7], words: 42, fresh: false },
          output: { sketch: [1, 0x80000000], words: 9, sample: [-2147483648, 2147483647, 0, 12345], affirmation: true, toolKey: '0123456789abcdef', toolNames: 'read_file, grep' },
        };
        const rows = [
          ...LEDGER,
          call({ id: 'f1', startedAt: T0 + 2 * HOUR, features }),
          call({ id: 'f2', startedAt: T0 + 2 * HOUR, features: { ...features, request: null, output: null, promptBound: null, outputBound: null, routeHeader: null } }),
        ];
        await s.appendCalls(rows);
        const byId = new Map((await s.calls({ limit: 100 })).map((r) => [r.id, r]));
        expect(byId.get('f1')).toEqual(rows.at(-2));
        expect(byId.get('f2')).toEqual(rows.at(-1));
        expect(byId.get('c1')!.features).toBeNull();
        // Pages of 2 from T0 (inclusive) to T0 + 49 h (exclusive), oldest first, ties by id.
        const seen: string[] = [];
        let after: { startedAt: number; id: string } | 'start' = 'start';
        for (;;) {
          const page = await s.calls({ from: T0, to: T0 + 49 * HOUR, after, limit: 2 });
          if (page.length === 0) break;
          seen.push(...page.map((r) => r.id));
          const last = page[page.length - 1]!;
          after = { startedAt: last.startedAt, id: last.id };
        }
        const expected = rows
          .filter((r) => r.startedAt >= T0 && r.startedAt < T0 + 49 * HOUR)
          .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
          .map((r) => r.id);
        expect(seen).toEqual(expected);
        expect(seen).toEqual(['c1', 'c2', 'f1', 'f2', 'c3', 'c4', 'c5']);
      }));

    it("keeps each call's web searches and service tier through every read: listed, paged, scanned with and without features or delivery", () =>
      withStore(async (s) => {
        const rows = [
          ...LEDGER,
          call({ id: 't1', startedAt: T0 + HOUR, webSearches: 7, serviceTier: 'priority' }),
          call({ id: 't2', startedAt: T0 + HOUR, webSearches: 0, serviceTier: 'flex' }),
          call({ id: 't3', startedAt: T0 + HOUR, webSearches: 2_000_000, serviceTier: null, features: { bytes: 1, promptBound: null, outputBound: null, choices: 1, tools: false, images: false, routeHeader: null, noCache: false, unlimited: false, upstreamStatus: null, request: null, output: null } }),
          call({ id: 't4', startedAt: T0 + HOUR, serviceTier: 'priority' }),
        ];
        await s.appendCalls(rows);
        const kept = (r: CallRow): [string, number, string | null] => [r.id, r.webSearches, r.serviceTier];
        const expected = rows.map(kept).sort((a, b) => (a[0] < b[0] ? -1 : 1));
        const sorted = (list: CallRow[]): [string, number, string | null][] => list.map(kept).sort((a, b) => (a[0] < b[0] ? -1 : 1));
        expect(sorted(await s.calls({ limit: 100 }))).toEqual(expected);
        expect(sorted(await s.calls({ after: 'start', limit: 100 }))).toEqual(expected);
        for (const features of [true, false]) {
          for (const delivery of [true, false]) expect(sorted(await s.scanCalls({ limit: 100, features, delivery }))).toEqual(expected);
        }
        if (s.scanCallPage) {
          const page = await s.scanCallPage({ limit: 100, features: false, delivery: false });
          expect(sorted(Array.from({ length: page.length }, (_, i) => page.row(i)))).toEqual(expected);
        }
        expect((await s.calls({ limit: 100 })).find((r) => r.id === 't1')).toEqual(rows.find((r) => r.id === 't1'));
      }));

    it('reports savings by group and reason, leaving out plain calls and failed fallback attempts', () =>
      withStore(async (s) => {
        await s.appendCalls(LEDGER);
        await s.appendCalls([
          call({ id: 'r1', startedAt: T0 + HOUR, route: 'rule:cheap', servedModel: 'gpt-mini', costNanos: 100, savedNanos: 900 }),
          call({ id: 'r2', startedAt: T0 + 3 * HOUR, route: 'downgrade:team:platform/month', costNanos: 50, savedNanos: 150 }),
          call({ id: 'r3', startedAt: T0 + 4 * HOUR, route: 'rule:cheap', servedModel: 'gpt-mini', costNanos: 10, savedNanos: 90 }),
        ]);
        expect(await s.savings({ groupBy: 'team' })).toEqual([
          { group: 'search', reason: 'cache', calls: 1, costNanos: 7, savedNanos: 9_000_000_000_000 },
          { group: 'platform', reason: 'routing', calls: 2, costNanos: 110, savedNanos: 990 },
          { group: 'platform', reason: 'downgrade', calls: 1, costNanos: 50, savedNanos: 150 },
        ]);
        expect(await s.savings({ groupBy: 'model', from: T0 + 2 * HOUR, to: T0 + 5 * HOUR })).toEqual([
          { group: 'gpt-a', reason: 'downgrade', calls: 1, costNanos: 50, savedNanos: 150 },
          { group: 'gpt-mini', reason: 'routing', calls: 1, costNanos: 10, savedNanos: 90 },
        ]);
      }));

    it('sums spend by team, with hand-computed totals above 2^32', () =>
      withStore(async (s) => {
        await s.appendCalls(LEDGER);
        const rows = await s.spend({ groupBy: 'team' });
        expect(rows.map((r) => [r.group, r.calls, r.costNanos])).toEqual([
          ['search', 3, 5_000_000_000_018],
          ['platform', 4, 7_000_001_500],
        ]);
        const days = await s.spend({ groupBy: 'day', from: T0, to: T0 + 48 * HOUR });
        expect(days.map((r) => [r.group, r.calls])).toEqual([
          ['2026-11-24', 3],
          ['2026-11-25', 2],
        ]);
        expect(await s.spend({ groupBy: 'team', from: T0 + 1e12 })).toEqual([]);
      }));

    const windows: { from?: number; to?: number; team?: string }[] = [
      {},
      { from: T0 },
      { to: T0 + 24 * HOUR },
      { from: T0 + 1, to: T0 + 49 * HOUR },
      { team: 'platform' },
    ];
    for (const groupBy of SPEND_GROUPS) {
      it(`sums spend by ${groupBy} like the reference, in every window`, () =>
        withStore(async (s) => {
          await s.appendCalls(LEDGER);
          for (const w of windows) {
            const q: SpendQuery = { groupBy, ...w };
            const got: SpendRow[] = await s.spend(q);
            expect(got, JSON.stringify(q)).toEqual(referenceSpend(LEDGER, q));
          }
        }));
    }

    it('sums calls by each attribute, tag element and time window', () =>
      withStore(async (s) => {
        await s.appendCalls(LEDGER);
        const sum = (q: Parameters<Store['sumCalls']>[0]): Promise<{ costNanos: number; tokens: number }> => s.sumCalls(q);
        expect(await sum({ match: {} })).toEqual({ costNanos: 5_007_000_001_518, tokens: 3_000_000_000 + 7 * 21 });
        expect(await sum({ match: { team: 'platform' } })).toEqual({ costNanos: 7_000_001_500, tokens: 3_000_000_000 + 4 * 21 });
        expect(await sum({ match: { user: 'ana' } })).toEqual({ costNanos: 3_000_001_000, tokens: 42 });
        expect(await sum({ match: { project: 'p2' } })).toEqual({ costNanos: 507, tokens: 42 });
        expect(await sum({ match: { key: 'k2' } })).toEqual({ costNanos: 5_000_000_000_018, tokens: 63 });
        expect(await sum({ match: { run: 'r1' } })).toEqual({ costNanos: 7_000_001_000, tokens: 3_000_000_000 + 63 });
        expect(await sum({ match: { tag: 'batch' } })).toEqual({ costNanos: 7_000_001_000, tokens: 3_000_000_000 + 63 });
        // "nightly" is an element of "batch,nightly" only; "nightly-x" does not count.
        expect(await sum({ match: { tag: 'nightly' } })).toEqual({ costNanos: 1_000, tokens: 21 });
        expect(await sum({ match: { tag: 'nightly-x' } })).toEqual({ costNanos: 5_000_000_000_000, tokens: 21 });
        expect(await sum({ match: { tag: 'absent' } })).toEqual({ costNanos: 0, tokens: 0 });
        expect(await sum({ match: { team: 'platform', user: 'ana' } })).toEqual({ costNanos: 3_000_001_000, tokens: 42 });
        // from is inclusive, to exclusive.
        expect(await sum({ from: T0, to: T0 + 49 * HOUR, match: { tag: 'batch' } })).toEqual({ costNanos: 3_000_001_000, tokens: 42 });
        expect(await sum({ from: T0 + 1, to: T0 + 49 * HOUR + 1, match: { tag: 'batch' } })).toEqual({ costNanos: 7_000_000_000, tokens: 3_000_000_000 + 42 });
      }));
  });
}
