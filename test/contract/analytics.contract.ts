/**
 * The analytics contract every `Store` backend must pass: a seeded generated ledger, and every grouping,
 * bucket and filter checked against a plain full scan of the generated rows written here, independently
 * of the SQL (own tag splitting, own calendar via Intl, own percentiles from sorted latencies).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRow, SavingsRow, SpendGroup, SpendQuery, Store } from '../../src/storage/types.js';
import { DIMENSIONS, type AnalyticsQuery, type AnalyticsRow, type Dimension } from '../../src/analytics/query.js';
import { spendSeries } from '../../src/analytics/spend-series.js';
import { LedgerSpendHistory, RollupSpendHistory } from '../../src/analytics/spend-history.js';

const HOUR = 3_600_000;
const BOUNDS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000];
/** 2026-10-10T00:00Z; the ledger spans 40 days, across the end of summer time in Europe (Oct 25). */
export const GEN_START = Date.UTC(2026, 9, 10);
const SPAN = 40 * 24 * HOUR;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded ledger of `n` calls with every attribute sometimes missing. `startAt` may move the i-th call's
 * start (drawn uniformly over the span) elsewhere.
 */
export function generateLedger(n: number, seed = 42, startAt?: (i: number, drawn: number) => number): CallRow[] {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const rows: CallRow[] = [];
  for (let i = 0; i < n; i++) {
    const drawn = GEN_START + Math.floor(r() * SPAN);
    const startedAt = startAt ? startAt(i, drawn) : drawn;
    const latency = pick([3, 5, 9, 19, 40, 70, 100, 101, 400, 900, 2_000, 4_000, 9_000, 20_000, 50_000, 100_000, 200_000]) + Math.floor(r() * 3);
    const model = pick(['gpt-a', 'gpt-b', 'claude-c', null]);
    rows.push({
      id: `g${seed}-${String(i).padStart(7, '0')}`, startedAt, firstByteAt: startedAt + 1, endedAt: startedAt + latency,
      keyId: pick(['k1', 'k2', 'k3', 'k4']), team: pick(['platform', 'search', 'ads']), user: pick(['ana', 'bo', 'cy', null]),
      project: pick(['p1', 'p2', null]), run: pick(['r1', 'r2', 'r3', null, null]), agent: pick(['planner', 'coder', null]),
      parent: null, tags: pick([null, 'batch', 'nightly', 'batch,nightly', 'x,batch', 'nightly-x']), endpoint: 'chat', stream: false,
      provider: model === null ? null : model.startsWith('gpt') ? 'openai' : 'anthropic', requestedModel: model, servedModel: model,
      inputTokens: Math.floor(r() * 5000), cachedInputTokens: Math.floor(r() * 900), cacheWrite5mTokens: Math.floor(r() * 50),
      cacheWrite1hTokens: Math.floor(r() * 30), outputTokens: Math.floor(r() * 2000), reasoningTokens: Math.floor(r() * 300),
      costNanos: Math.floor(r() * 9_000_000_000), estimated: false, status: pick(['ok', 'ok', 'ok', 'error', 'aborted']),
      httpStatus: 200, errorCode: null, upstreamRequestId: null, requestHash: null, webSearches: 0, serviceTier: null,
      // Savings (derived from i, so the random attributes above stay as they were): some calls routed,
      // downgraded or served from the cache, some of those failed fallback attempts.
      attemptOf: i % 13 === 0 ? `g${seed}-prev` : null,
      route: i % 3 === 0 ? 'fallback:gpt-b' : i % 5 === 0 ? 'downgrade:gpt-a' : i % 7 === 0 ? 'cache' : null,
      cacheHit: i % 7 === 0 && i % 3 !== 0 && i % 5 !== 0, savedNanos: i % 3 === 0 || i % 5 === 0 || i % 7 === 0 ? (i * 7919) % 1_000_000_000 : 0,
    });
  }
  return rows;
}

const ORG = 'acme';
const fmt = new Map<string, Intl.DateTimeFormat>();
/** Local calendar date of instant t in tz. */
function localDate(tz: string, t: number): { y: number; m: number; d: number } {
  let f = fmt.get(tz);
  if (!f) fmt.set(tz, (f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const [y, m, d] = f.format(new Date(t)).split('-').map(Number) as [number, number, number];
  return { y, m, d };
}
const pad = (x: number): string => String(x).padStart(2, '0');

/** Zones whose local midnight is not a whole UTC hour: +5:30, +5:45, +10:30 (+9:30 in winter), -2:30 / -3:30 (DST ends Nov 1). */
export const HALF_HOUR_ZONES = ['Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Adelaide', 'America/St_Johns'] as const;

/** The UTC hour that the first local midnight at or after t cuts in two, in a zone of HALF_HOUR_ZONES. */
export function midnightHour(tz: string, t: number): { hour: number; midnight: number } {
  const same = (a: number, b: number): boolean => JSON.stringify(localDate(tz, a)) === JSON.stringify(localDate(tz, b));
  let hour = Math.floor(t / HOUR) * HOUR;
  while (same(hour, hour + HOUR - 1)) hour += HOUR;
  let minute = hour;
  while (same(minute, hour)) minute += 60_000;
  return { hour, midnight: minute };
}

/**
 * Calls whose starts are spread over the hours that local midnight cuts in two in HALF_HOUR_ZONES (the
 * i-th call in the zone i mod 4), on both sides of midnight: the calls a bucket by hour would misplace.
 */
export function generateMidnightCalls(n: number, seed = 5): CallRow[] {
  return generateLedger(n, seed, (i, drawn) => midnightHour(HALF_HOUR_ZONES[i % HALF_HOUR_ZONES.length]!, drawn).hour + (drawn % HOUR));
}

/** The bucket label of a call: the local day (week, month) of its start, or the UTC hour of its start. */
function bucketLabel(q: AnalyticsQuery, startedAt: number): string | null {
  if (!q.bucket) return null;
  if (q.bucket === 'hour') return `${new Date(Math.floor(startedAt / HOUR) * HOUR).toISOString().slice(0, 13)}:00Z`;
  const { y, m, d } = localDate(q.timezone ?? 'UTC', startedAt);
  if (q.bucket === 'month') return `${y}-${pad(m)}`;
  if (q.bucket === 'day') return `${y}-${pad(m)}-${pad(d)}`;
  const date = new Date(Date.UTC(y, m - 1, d));
  const back = (date.getUTCDay() + 6) % 7; // days since Monday
  const monday = new Date(Date.UTC(y, m - 1, d - back));
  return `${monday.getUTCFullYear()}-${pad(monday.getUTCMonth() + 1)}-${pad(monday.getUTCDate())}`;
}

function valuesOf(r: CallRow, dim: Dimension): (string | null)[] {
  const tags = r.tags ? r.tags.split(',') : [null];
  const one: Record<Exclude<Dimension, 'tag'>, string | null> = {
    org: ORG, team: r.team, user: r.user, project: r.project, key: r.keyId, model: r.servedModel, provider: r.provider, agent: r.agent, run: r.run,
  };
  return dim === 'tag' ? tags : [one[dim]];
}

interface Ref { key: string; group: Record<string, string | null>; bucket: string | null; rows: CallRow[] }

/** The expected report: a plain scan. */
export function reference(rows: CallRow[], q: AnalyticsQuery): Ref[] {
  const out = new Map<string, Ref>();
  for (const r of rows) {
    if ((q.from !== undefined && r.startedAt < q.from) || (q.to !== undefined && r.startedAt >= q.to)) continue;
    if (Object.entries(q.filters ?? {}).some(([dim, v]) => !valuesOf(r, dim as Dimension).includes(v))) continue;
    let combos: Record<string, string | null>[] = [{}];
    // Grouping by tag under a tag filter shows that tag only (documented in analytics/query.ts).
    const tagOnly = q.filters?.tag;
    for (const dim of q.groupBy) {
      const values = dim === 'tag' && tagOnly !== undefined ? [tagOnly] : valuesOf(r, dim);
      combos = combos.flatMap((c) => values.map((v) => ({ ...c, [dim]: v })));
    }
    const bucket = bucketLabel(q, r.startedAt);
    for (const group of combos) {
      const key = JSON.stringify([bucket, ...q.groupBy.map((d) => group[d])]);
      const e = out.get(key) ?? { key, group, bucket, rows: [] };
      e.rows.push(r);
      out.set(key, e);
    }
  }
  return [...out.values()];
}

function percentile(lat: number[], p: number): number {
  const sorted = [...lat].sort((a, b) => a - b);
  const v = sorted[Math.ceil(p * sorted.length) - 1]!;
  const bound = BOUNDS.find((b) => v <= b);
  return Math.min(bound ?? Infinity, sorted[sorted.length - 1]!);
}

function expectReport(actual: AnalyticsRow[], rows: CallRow[], q: AnalyticsQuery): void {
  const expected = reference(rows, q);
  const got = new Map(actual.map((a) => [JSON.stringify([a.bucket, ...q.groupBy.map((d) => a.group[d])]), a]));
  expect([...got.keys()].sort(), JSON.stringify(q)).toEqual(expected.map((e) => e.key).sort());
  for (const e of expected) {
    const a = got.get(e.key)!;
    const sum = (f: (r: CallRow) => number): number => e.rows.reduce((s, r) => s + f(r), 0);
    const lat = e.rows.map((r) => r.endedAt - r.startedAt);
    expect(
      {
        calls: a.calls, errors: a.errors, input: a.inputTokens, cached: a.cachedInputTokens, cw: a.cacheWriteTokens, out: a.outputTokens,
        reasoning: a.reasoningTokens, cost: a.costNanos, p50: a.latencyP50Ms, p95: a.latencyP95Ms, max: a.latencyMaxMs,
      },
      `${JSON.stringify(q)} ${e.key}`,
    ).toEqual({
      calls: e.rows.length, errors: e.rows.filter((r) => r.status === 'error').length, input: sum((r) => r.inputTokens),
      cached: sum((r) => r.cachedInputTokens), cw: sum((r) => r.cacheWrite5mTokens + r.cacheWrite1hTokens), out: sum((r) => r.outputTokens),
      reasoning: sum((r) => r.reasoningTokens), cost: sum((r) => r.costNanos), p50: percentile(lat, 0.5), p95: percentile(lat, 0.95),
      max: Math.max(...lat),
    });
    expect(a.latencyMeanMs).toBeCloseTo(lat.reduce((s, v) => s + v, 0) / lat.length, 6);
    expect(a.errorRate).toBeCloseTo(a.errors / a.calls, 9);
  }
}

const FILTER_VALUES: Record<Dimension, string> = {
  org: ORG, team: 'search', user: 'bo', project: 'p2', key: 'k3', model: 'claude-c', provider: 'openai', agent: 'coder', run: 'r2', tag: 'batch',
};
/** Odd, non-hour-aligned bounds: partial hours at both ends. */
const FROM = GEN_START + 3 * 24 * HOUR + 17 * 60_000 + 123;
const TO = GEN_START + 31 * 24 * HOUR + 5 * HOUR + 59 * 60_000 + 7;
/** Bounds on a local midnight in Kolkata (18:30Z) and 7 minutes past one in Kathmandu (18:22Z); and 20 minutes around one. */
const KOLKATA_MIDNIGHT = midnightHour('Asia/Kolkata', GEN_START + 5 * 24 * HOUR).midnight;
const HALF_HOUR_RANGES = [
  { from: KOLKATA_MIDNIGHT, to: midnightHour('Asia/Kathmandu', GEN_START + 27 * 24 * HOUR).midnight + 7 * 60_000 },
  { from: KOLKATA_MIDNIGHT - 10 * 60_000, to: KOLKATA_MIDNIGHT + 10 * 60_000 },
];

/** The savings report computed over the rows themselves (first attempts of routed calls only). */
function savingsReference(rows: CallRow[], q: SpendQuery): SavingsRow[] {
  const col = (r: CallRow): string | null => {
    if (q.groupBy === 'day') return new Date(r.startedAt).toISOString().slice(0, 10);
    if (q.groupBy === 'key') return r.keyId;
    if (q.groupBy === 'model') return r.servedModel;
    return r[q.groupBy];
  };
  const out = new Map<string, SavingsRow>();
  for (const r of rows) {
    if (r.route === null || r.attemptOf !== null) continue;
    if ((q.from !== undefined && r.startedAt < q.from) || (q.to !== undefined && r.startedAt >= q.to) || (q.team !== undefined && r.team !== q.team)) continue;
    const reason = r.cacheHit ? 'cache' : r.route.startsWith('downgrade:') ? 'downgrade' : 'routing';
    const k = `${col(r)}|${reason}`;
    const s = out.get(k) ?? { group: col(r), reason, calls: 0, costNanos: 0, savedNanos: 0 };
    s.calls++;
    s.costNanos += r.costNanos;
    s.savedNanos += r.savedNanos;
    out.set(k, s);
  }
  const cmp = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
  return [...out.values()].sort((a, b) => b.savedNanos - a.savedNanos || cmp(a.group, b.group) || cmp(a.reason, b.reason));
}

/** Savings by every grouping, over everything, whole hours, odd edges, and inside one hour. */
export async function expectSavings(store: Store, rows: CallRow[]): Promise<void> {
  const windows: Omit<SpendQuery, 'groupBy'>[] = [
    {}, { from: FROM, to: TO }, { from: FROM }, { to: TO }, { from: GEN_START + 24 * HOUR, to: GEN_START + 30 * 24 * HOUR },
    { from: FROM + 3 * 24 * HOUR + 60_000, to: FROM + 3 * 24 * HOUR + 1_800_000 }, { from: FROM, to: TO, team: 'ads' },
  ];
  for (const groupBy of ['team', 'user', 'project', 'key', 'model', 'provider', 'agent', 'run', 'day'] as SpendGroup[]) {
    for (const w of windows) {
      const q = { groupBy, ...w };
      expect(await store.savings(q), JSON.stringify(q)).toEqual(savingsReference(rows, q));
    }
  }
}

export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;
/** A store over a ledger written before the rollup migration (the last migration not yet applied). */
export type MakeLegacyStore = (rows: CallRow[]) => Promise<{ store: Store; cleanup(): Promise<void> }>;

export function describeAnalytics(name: string, make: MakeStore, makeLegacy: MakeLegacyStore): void {
  describe(`Analytics contract: ${name}`, () => {
    const ledger = [...generateLedger(3000), ...generateMidnightCalls(400)];
    let store: Store;
    let cleanup: () => Promise<void>;
    const run = (q: AnalyticsQuery): Promise<AnalyticsRow[]> => store.analytics({ org: ORG, ...q });

    beforeAll(async () => {
      ({ store, cleanup } = await make());
      await store.migrate();
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('loads the ledger (in batches, some ids repeated, some batches repeated): rollups equal a full scan', async () => {
      for (let i = 0; i < ledger.length; i += 500) await store.appendCalls(ledger.slice(i, i + 500));
      // Duplicates: an overlapping batch, a whole batch again, and a batch repeating one of its own ids.
      await store.appendCalls(ledger.slice(250, 1250));
      await store.appendCalls(ledger.slice(0, 500));
      await store.appendCalls([ledger[7]!, ledger[7]!, ledger[2999]!]);
      // Each rollup at its finest grain: hourly, team x model, team, tags.
      for (const groupBy of [['team', 'user', 'project', 'key', 'model', 'provider', 'agent'], ['team', 'model', 'provider'], ['team'], ['tag', 'team']] as Dimension[][]) {
        expectReport(await run({ groupBy, bucket: 'hour' }), ledger, { groupBy, bucket: 'hour' });
      }
    });

    it('groups by every dimension alone, over everything and over odd from/to', async () => {
      for (const dim of DIMENSIONS) {
        for (const range of [{}, { from: FROM, to: TO }]) {
          const q: AnalyticsQuery = { groupBy: [dim], ...range };
          expectReport(await run(q), ledger, q);
        }
      }
    });

    it('has calls on both sides of local midnight in the hours it cuts in two, in every zone', () => {
      for (const tz of HALF_HOUR_ZONES) {
        let before = 0;
        let after = 0;
        for (const r of ledger) {
          const hour = Math.floor(r.startedAt / HOUR) * HOUR;
          if (localDate(tz, hour).d === localDate(tz, hour + HOUR - 1).d) continue;
          if (r.startedAt < midnightHour(tz, hour).midnight) before++;
          else after++;
        }
        expect(before, tz).toBeGreaterThan(40);
        expect(after, tz).toBeGreaterThan(40);
      }
    });

    it('buckets by hour, day, week and month, in UTC, across DST in Berlin and St John\'s, at +5:30, +5:45 and +10:30', async () => {
      for (const timezone of ['UTC', 'Europe/Berlin', ...HALF_HOUR_ZONES]) {
        for (const bucket of ['hour', 'day', 'week', 'month'] as const) {
          for (const range of [{}, { from: FROM, to: TO }, { from: FROM }, { to: TO }, ...HALF_HOUR_RANGES]) {
            const q: AnalyticsQuery = { groupBy: ['team'], bucket, timezone, ...range };
            expectReport(await run(q), ledger, q);
          }
        }
      }
    });

    it('groups by combinations with a bucket', async () => {
      const combos: Dimension[][] = [
        [], ['team', 'model'], ['tag', 'team'], ['tag', 'model'], ['run', 'agent'], ['user', 'project', 'provider'],
        ['org', 'key'], [...DIMENSIONS],
      ];
      for (const groupBy of combos) {
        for (const bucket of [undefined, 'day', 'month'] as const) {
          for (const timezone of ['Europe/Berlin', 'Asia/Kathmandu']) {
            const q: AnalyticsQuery = { groupBy, bucket, timezone, from: FROM, to: TO };
            expectReport(await run(q), ledger, q);
          }
        }
      }
    });

    it('filters by every dimension, alone and combined, with and without a time range', async () => {
      for (const dim of DIMENSIONS) {
        for (const groupBy of [['team'], ['model', 'tag'], ['run']] as Dimension[][]) {
          const q: AnalyticsQuery = { groupBy, bucket: 'day', filters: { [dim]: FILTER_VALUES[dim] }, from: FROM, to: TO };
          expectReport(await run(q), ledger, q);
        }
        expectReport(await run({ groupBy: [], filters: { [dim]: FILTER_VALUES[dim] } }), ledger, { groupBy: [], filters: { [dim]: FILTER_VALUES[dim] } });
      }
      const combined: AnalyticsQuery[] = [
        { groupBy: ['user'], filters: { team: 'search', model: 'gpt-a' } },
        { groupBy: ['team'], filters: { tag: 'nightly', team: 'ads' }, bucket: 'week' },
        { groupBy: ['agent'], filters: { tag: 'batch', user: 'ana', run: 'r1' }, from: FROM },
        { groupBy: ['team'], filters: { org: 'someone-else' } },
        { groupBy: ['team'], filters: { team: 'nobody' }, to: TO },
      ];
      for (const q of combined) expectReport(await run(q), ledger, q);
      expect(await run({ groupBy: ['team'], filters: { org: 'someone-else' } })).toEqual([]);
    });

    it('answers a bucket boundary by hand: a Berlin day starts at 22:00Z in summer, 23:00Z in winter', async () => {
      const rows = await run({ groupBy: [], bucket: 'day', timezone: 'Europe/Berlin', from: Date.UTC(2026, 9, 24, 22), to: Date.UTC(2026, 9, 26, 23) });
      expect(rows.map((r) => [r.bucket, new Date(r.bucketStart!).toISOString()])).toEqual([
        ['2026-10-25', '2026-10-24T22:00:00.000Z'],
        ['2026-10-26', '2026-10-25T23:00:00.000Z'],
      ]);
    });

    it('splits the hour that a Kolkata midnight cuts in two: calls before 18:30Z on one day, from 18:30Z on the next', async () => {
      const hour = KOLKATA_MIDNIGHT - 30 * 60_000;
      const rows = await run({ groupBy: [], bucket: 'day', timezone: 'Asia/Kolkata', from: hour, to: hour + HOUR });
      const before = ledger.filter((r) => r.startedAt >= hour && r.startedAt < KOLKATA_MIDNIGHT);
      const after = ledger.filter((r) => r.startedAt >= KOLKATA_MIDNIGHT && r.startedAt < hour + HOUR);
      expect(before.length).toBeGreaterThan(0);
      expect(after.length).toBeGreaterThan(0);
      expect(rows.map((r) => [r.bucket, new Date(r.bucketStart!).toISOString(), r.calls])).toEqual([
        ['2026-10-15', '2026-10-14T18:30:00.000Z', before.length],
        ['2026-10-16', '2026-10-15T18:30:00.000Z', after.length],
      ]);
    });

    it('serves a budget scope a cost series with every bucket present', async () => {
      const from = GEN_START - 2 * 24 * HOUR;
      const to = GEN_START + 5 * 24 * HOUR;
      const series = await spendSeries(store, { match: { team: 'ads', tag: 'batch' }, from, to, bucket: 'day' });
      expect(series.map((p) => p.bucketStart)).toEqual(Array.from({ length: 7 }, (_, i) => from + i * 24 * HOUR));
      for (const p of series) {
        const rows = ledger.filter((r) => r.team === 'ads' && (r.tags ?? '').split(',').includes('batch') && r.startedAt >= p.bucketStart && r.startedAt < p.bucketStart + 24 * HOUR);
        expect(p.costNanos).toBe(rows.reduce((s, r) => s + r.costNanos, 0));
        expect(p.tokens).toBe(rows.reduce((s, r) => s + r.inputTokens + r.cachedInputTokens + r.cacheWrite5mTokens + r.cacheWrite1hTokens + r.outputTokens + r.reasoningTokens, 0));
      }
      expect(series[0]!.costNanos).toBe(0);
      expect(series[3]!.costNanos).toBeGreaterThan(0);
      const byRun = await spendSeries(store, { match: { run: 'r1', user: 'cy' }, from: FROM, to: TO, bucket: 'week' });
      const total = ledger.filter((r) => r.run === 'r1' && r.user === 'cy' && r.startedAt >= FROM && r.startedAt < TO).reduce((s, r) => s + r.costNanos, 0);
      expect(byRun.reduce((s, p) => s + p.costNanos, 0)).toBe(total);
    });

    it('answers savings from the savings rollup exactly as a scan of the ledger would', async () => {
      expect(ledger.filter((r) => r.route !== null && r.attemptOf === null).length).toBeGreaterThan(1000);
      await expectSavings(store, ledger);
    });

    it('gives forecasts the same daily history from the rollups as day-by-day sums of the ledger', async () => {
      const ledgerHistory = new LedgerSpendHistory(store, () => GEN_START + 60 * 24 * HOUR);
      const rollupHistory = new RollupSpendHistory(store);
      // Europe/Paris crosses the end of summer time (Oct 25) inside the window: a 25-hour day. In the
      // half-hour zones midnight is not a whole UTC hour.
      for (const timezone of ['UTC', 'Europe/Paris', 'America/New_York', ...HALF_HOUR_ZONES]) {
        for (const scope of ['org', 'team:ads', 'user:cy', 'project:p1', 'key:k2', 'tag:batch']) {
          const q = { scope, from: '2026-10-08', to: '2026-11-21', timezone };
          const want = await ledgerHistory.daily(q);
          const got = await rollupHistory.daily(q);
          expect(got, `${scope} ${timezone}`).toEqual(want);
          expect(got.length).toBe(45);
        }
      }
      const org = await rollupHistory.daily({ scope: 'org', from: '2026-10-08', to: '2026-11-21', timezone: 'UTC' });
      expect(org.reduce((s, d) => s + d.nanos, 0)).toBe(ledger.reduce((s, r) => s + r.costNanos, 0));
    });

    it('back-fills the rollups of a ledger written before them, and keeps appends idempotent after', async () => {
      const old = ledger.slice(0, 1200);
      const legacy = await makeLegacy(old);
      try {
        await legacy.store.migrate();
        const q: AnalyticsQuery = { groupBy: ['team', 'tag'], bucket: 'day', from: FROM, to: TO };
        expectReport(await legacy.store.analytics(q), old, q);
        await legacy.store.appendCalls(ledger.slice(1000, 1500));
        const q2: AnalyticsQuery = { groupBy: ['model', 'user'], bucket: 'hour' };
        expectReport(await legacy.store.analytics(q2), ledger.slice(0, 1500), q2);
        await expectSavings(legacy.store, ledger.slice(0, 1500));
      } finally {
        await legacy.store.close();
        await legacy.cleanup();
      }
    });
  });
}
