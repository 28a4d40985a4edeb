/**
 * The rollup fold of a batch of new calls done in JS: the batch's rows summed per rollup key, then one
 * upsert row per key (instead of the per-row SQL of foldAllSql, which costs SQLite's worker about as
 * much as inserting the calls themselves). It must add exactly what foldAllSql adds for the same rows:
 * the same hour, the same '' for a missing attribute, the same per-call measures (rollups.ts
 * callMeasures) and the same tag split; test/contract/analytics.contract.ts checks reports built either
 * way against a scan of the ledger. Callers pass only rows that were really inserted.
 */
import { CALL_COLUMNS, type SqlValue } from './sqlite/call-columns.js';
import { DIMENSION_ROLLUPS, HOUR_MS, LATENCY_BOUNDS_MS, MEASURES, type Dialect } from './rollups.js';

const col = (name: (typeof CALL_COLUMNS)[number]): number => CALL_COLUMNS.indexOf(name);
const WIDTH = CALL_COLUMNS.length;
const STARTED = col('started_at');
const ENDED = col('ended_at');
const TAGS = col('tags');
const TEAM = col('team');
const STATUS = col('status');
const SUMMED = [col('input_tokens'), col('cached_input_tokens'), -1, col('output_tokens'), col('reasoning_tokens'), col('cost_nanos')];
const CW5 = col('cache_write_5m_tokens');
const CW1 = col('cache_write_1h_tokens');
const M = MEASURES.length;
const LAT_SUM = MEASURES.indexOf('latency_sum_ms');
const LAT_MAX = MEASURES.indexOf('latency_max_ms');
const LAT_0 = MEASURES.indexOf('lat_0');

/** A rollup's key columns as indexes into a call's values (-1: the hour). */
const KEY_SOURCES = DIMENSION_ROLLUPS.map((r) => ({
  table: r.table,
  cols: ['hour', ...r.keys.map(([c]) => c)],
  src: r.keys.map(([, s]) => col(s as (typeof CALL_COLUMNS)[number])),
}));

export interface RollupDelta {
  table: string;
  /** Key columns (hour first) and measure columns, in the order of `rows`' values. */
  cols: string[];
  /** One entry per rollup key: key values then MEASURES. */
  rows: SqlValue[][];
}

const str = (v: SqlValue | undefined): string => (v === null || v === undefined ? '' : String(v));

/** One call's measures, as callMeasures() computes them in SQL. */
function measuresOf(values: readonly SqlValue[], o: number): number[] {
  const m = new Array<number>(M).fill(0);
  m[0] = 1;
  m[1] = values[o + STATUS] === 'error' ? 1 : 0;
  for (let i = 0; i < SUMMED.length; i++) {
    m[2 + i] = SUMMED[i] === -1 ? Number(values[o + CW5]) + Number(values[o + CW1]) : Number(values[o + SUMMED[i]!]);
  }
  const lat = Number(values[o + ENDED]) - Number(values[o + STARTED]);
  m[LAT_SUM] = lat;
  m[LAT_MAX] = lat;
  let b = 0;
  while (b < LATENCY_BOUNDS_MS.length && lat > LATENCY_BOUNDS_MS[b]!) b++;
  m[LAT_0 + b] = 1;
  return m;
}

function add(acc: Map<string, SqlValue[]>, keyVals: SqlValue[], m: number[]): void {
  const k = keyVals.join('\u0000');
  const row = acc.get(k);
  if (!row) {
    acc.set(k, [...keyVals, ...m]);
    return;
  }
  const base = keyVals.length;
  for (let i = 0; i < M; i++) {
    const cur = row[base + i] as number;
    row[base + i] = i === LAT_MAX ? Math.max(cur, m[i]!) : cur + m[i]!;
  }
}

/**
 * Sum calls (flat values in CALL_COLUMNS order, `count` rows from row `first`) into per-key deltas of
 * every rollup, rollup_tags last. Keys sorted, so concurrent writers lock rollup rows in one order.
 */
export function rollupDeltas(values: readonly SqlValue[], first = 0, count = values.length / WIDTH - first): RollupDelta[] {
  const accs = KEY_SOURCES.map(() => new Map<string, SqlValue[]>());
  const tags = new Map<string, SqlValue[]>();
  for (let r = first; r < first + count; r++) {
    const o = r * WIDTH;
    const m = measuresOf(values, o);
    // Integer division as SQL does it on integers (truncation toward zero).
    const hour = Math.trunc(Number(values[o + STARTED]) / HOUR_MS) * HOUR_MS;
    for (let t = 0; t < KEY_SOURCES.length; t++) {
      const src = KEY_SOURCES[t]!.src;
      const keyVals: SqlValue[] = [hour];
      for (const s of src) keyVals.push(str(values[o + s]));
      add(accs[t]!, keyVals, m);
    }
    const list = str(values[o + TAGS]);
    for (const tag of list === '' ? [''] : list.split(',')) add(tags, [hour, tag, str(values[o + TEAM])], m);
  }
  const sorted = (acc: Map<string, SqlValue[]>): SqlValue[][] => [...acc.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
  return [
    ...KEY_SOURCES.map((k, t) => ({ table: k.table, cols: [...k.cols, ...MEASURES], rows: sorted(accs[t]!) })),
    { table: 'rollup_tags', cols: ['hour', 'tag', 'team', ...MEASURES], rows: sorted(tags) },
  ];
}

/** An upsert of `n` delta rows into `table` (placeholders `?` for SQLite, `$i` for Postgres). */
export function upsertDeltaSql(d: Dialect, table: string, cols: readonly string[], n: number): string {
  const keys = cols.slice(0, cols.length - M);
  let p = 0;
  const ph = (): string => (d === 'postgres' ? `$${++p}` : '?');
  const tuples = Array.from({ length: n }, () => `(${cols.map(ph).join(', ')})`);
  const set = MEASURES.map((m) =>
    m === 'latency_max_ms'
      ? `${m} = ${d === 'postgres' ? 'greatest' : 'max'}(${table}.${m}, excluded.${m})`
      : `${m} = ${table}.${m} + excluded.${m}`,
  );
  return `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${set.join(', ')}`;
}
