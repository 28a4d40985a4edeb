/**
 * Running an analytics plan on a backend and shaping its rows: day indexes into day/week/month buckets
 * (weeks and months merged from days here), dimension values back to null for none, and the derived
 * numbers (error rate, mean and percentile latency). Backends pass a function that runs one SQL.
 */
import { LATENCY_BOUNDS_MS, MEASURES, type Dialect } from '../storage/rollups.js';
import type { AnalyticsQuery, AnalyticsRow, Dimension } from './query.js';
import { planAnalytics, type SqlPlan } from './query-sql.js';
import { dayBucket, hourLabel } from './time-buckets.js';

type DbRow = Record<string, unknown>;
type Exec = (sql: string, params: (string | number)[]) => DbRow[];
type ExecAsync = (sql: string, params: (string | number)[]) => Promise<DbRow[]>;

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const range = (rows: DbRow[]): { lo: number | null; hi: number | null } => ({
  lo: rows[0]?.['lo'] == null ? null : n(rows[0]['lo']),
  hi: rows[0]?.['hi'] == null ? null : n(rows[0]['hi']),
});

/** For a synchronous driver (better-sqlite3, inside the SQLite worker). */
export function runAnalytics(q: AnalyticsQuery, d: Dialect, exec: Exec): AnalyticsRow[] {
  const plan = planAnalytics(q, d);
  if (!plan) return [];
  const { sql, params } = plan.build(plan.rangeSql ? range(exec(plan.rangeSql, [])) : undefined);
  return finishRows(q, plan, exec(sql, params));
}

export async function runAnalyticsAsync(q: AnalyticsQuery, d: Dialect, exec: ExecAsync): Promise<AnalyticsRow[]> {
  const plan = planAnalytics(q, d);
  if (!plan) return [];
  const { sql, params } = plan.build(plan.rangeSql ? range(await exec(plan.rangeSql, [])) : undefined);
  return finishRows(q, plan, await exec(sql, params));
}

interface Acc {
  group: Partial<Record<Dimension, string | null>>;
  bucketStart: number | null;
  bucket: string | null;
  m: number[];
}

const LAT_FIRST = MEASURES.indexOf('lat_0');
const MAX_AT = MEASURES.indexOf('latency_max_ms');

function finishRows(q: AnalyticsQuery, plan: SqlPlan, rows: DbRow[]): AnalyticsRow[] {
  const tz = q.timezone ?? 'UTC';
  const merged = new Map<string, Acc>();
  for (const r of rows) {
    if (n(r['calls']) === 0) continue;
    let bucketStart: number | null = null;
    let bucket: string | null = null;
    if (q.bucket === 'hour') {
      bucketStart = n(r['b']);
      bucket = hourLabel(bucketStart);
    } else if (q.bucket !== undefined) {
      const b = dayBucket(q.bucket, n(r['b']), tz);
      bucketStart = b.start;
      bucket = b.label;
    }
    const group: Partial<Record<Dimension, string | null>> = {};
    for (const dim of q.groupBy) {
      if (dim === 'org') group.org = q.org ?? 'default';
      else {
        const v = r[`d_${dim}`];
        group[dim] = v === null || v === undefined || v === '' ? null : String(v);
      }
    }
    const key = JSON.stringify([bucket, ...q.groupBy.map((dim) => group[dim])]);
    const m = MEASURES.map((name) => n(r[name]));
    const acc = merged.get(key);
    if (!acc) merged.set(key, { group, bucketStart, bucket, m });
    else acc.m.forEach((v, i) => (acc.m[i] = i === MAX_AT ? Math.max(v, m[i]!) : v + m[i]!));
  }
  const out = [...merged.values()].map(toRow);
  const cmp = (a: string | null | undefined, b: string | null | undefined): number =>
    a === b ? 0 : a == null ? -1 : b == null ? 1 : a < b ? -1 : 1;
  return out.sort(
    (a, b) =>
      (a.bucketStart ?? 0) - (b.bucketStart ?? 0) ||
      b.costNanos - a.costNanos ||
      q.groupBy.reduce((c, dim) => c || cmp(a.group[dim], b.group[dim]), 0),
  );
}

/** The latency below which a share `p` of calls fell: the upper bound of its histogram bucket, capped at the max. */
export function histogramPercentile(hist: number[], p: number, max: number): number {
  const total = hist.reduce((s, v) => s + v, 0);
  if (total === 0) return 0;
  const rank = Math.ceil(p * total);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= rank) return Math.min(LATENCY_BOUNDS_MS[i] ?? max, max);
  }
  return max;
}

function toRow(a: Acc): AnalyticsRow {
  const [calls, errors, input, cached, cacheWrite, output, reasoning, cost, latSum, latMax] = a.m as [number, number, number, number, number, number, number, number, number, number];
  const hist = a.m.slice(LAT_FIRST);
  return {
    group: a.group,
    bucketStart: a.bucketStart,
    bucket: a.bucket,
    calls,
    errors,
    errorRate: calls ? errors / calls : 0,
    inputTokens: input,
    cachedInputTokens: cached,
    cacheWriteTokens: cacheWrite,
    outputTokens: output,
    reasoningTokens: reasoning,
    costNanos: cost,
    latencyMeanMs: calls ? latSum / calls : 0,
    latencyP50Ms: histogramPercentile(hist, 0.5, latMax),
    latencyP95Ms: histogramPercentile(hist, 0.95, latMax),
    latencyMaxMs: latMax,
    latencyHistogram: hist,
  };
}
