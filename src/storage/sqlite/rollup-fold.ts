/**
 * The rollup fold of a batch of new calls done in the worker's JS: the batch summed per rollup key in
 * memory, then one upsert per key and rollup (foldAllSql and foldSavingsSql run the per-row work in
 * SQL, which cost the worker about as much as inserting the calls; a flush of one key's calls now
 * writes one row per rollup). Each row is added to one fine group (its hour, every rollup attribute,
 * its tag list and its savings reason; a row like the one before it skips the lookup), and every
 * rollup's rows are summed from those few groups. It adds exactly what the SQL folds add for the same
 * rows: the same hour, the same '' for a missing attribute, the same measures and tag split, integer
 * sums. Rows it cannot sum exactly as SQLite would (a non-integer time or measure, a non-text
 * attribute, a sum past 2^53) make `fold` return false before anything is written, and the caller
 * runs the SQL folds instead. test/unit/sqlite-ledger-append.test.ts compares both folds.
 */
import type Database from 'better-sqlite3';
import { CALL_COLUMNS, type SqlValue } from './call-columns.js';
import { DIMENSION_ROLLUPS, HOURLY_KEYS, HOUR_MS, LATENCY_BOUNDS_MS, MEASURES, upsertTail } from '../rollups.js';
import { SAVINGS_KEYS } from '../savings-rollup.js';

type Column = (typeof CALL_COLUMNS)[number];
const col = (name: Column): number => CALL_COLUMNS.indexOf(name);
const WIDTH = CALL_COLUMNS.length;
const STARTED = col('started_at');
const ENDED = col('ended_at');
const STATUS = col('status');
const TAGS = col('tags');
const ROUTE = col('route');
const ATTEMPT_OF = col('attempt_of');
const CACHE_HIT = col('cache_hit');
const SAVED = col('saved_nanos');
const CW5 = col('cache_write_5m_tokens');
const CW1 = col('cache_write_1h_tokens');
/** Measures 2..7 (input, cached, cache write, output, reasoning, cost) as call columns; -1: both cache writes. */
const SUMMED = [col('input_tokens'), col('cached_input_tokens'), -1, col('output_tokens'), col('reasoning_tokens'), col('cost_nanos')];
const M = MEASURES.length;
const CALLS = 0;
const COST = MEASURES.indexOf('cost_nanos');
const LAT_SUM = MEASURES.indexOf('latency_sum_ms');
const LAT_MAX = MEASURES.indexOf('latency_max_ms');
const LAT_0 = MEASURES.indexOf('lat_0');
/** After the measures: the saved nano-dollars (summed for the savings rollup). */
const SAVED_AT = M;
const DOWNGRADE = /^downgrade:/i; // LIKE 'downgrade:%' ignores ASCII case
/** Up to this many groups in a flush, a row's group is found by comparing values, not by a map key. */
const LINEAR_GROUPS = 16;

/** The fine group's attributes: the hourly rollup's (which every other rollup's keys are among), then tags. */
const ATTRS = [...HOURLY_KEYS.map(([, s]) => col(s as Column)), TAGS];
const TAG_LIST = ATTRS.length - 1;
const TEAM_AT = HOURLY_KEYS.findIndex(([c]) => c === 'team');
/** A rollup's key columns as positions in ATTRS. */
const attrsOf = (keys: readonly (readonly [string, string])[]): number[] => keys.map(([, s]) => ATTRS.indexOf(col(s as Column)));
const SAVINGS_ATTRS = attrsOf(SAVINGS_KEYS);

interface Fine {
  hour: number;
  /** ATTRS' values, '' for none. */
  attrs: string[];
  /** '' when the savings rollup does not count the calls, else their reason. */
  reason: string;
  m: number[];
}

interface Group {
  keys: (string | number)[];
  m: number[];
}

const isInt = (v: SqlValue | undefined): v is number => typeof v === 'number' && Number.isSafeInteger(v);
/** An unambiguous map key for a list of key values. */
function keyOf(vals: readonly (string | number)[]): string {
  let k = '';
  for (const v of vals) k += typeof v === 'number' ? `${v}\u0001` : `${v.length}:${v}\u0001`;
  return k;
}

/** Add `m` into `into` (max for the latency maximum, sums otherwise). */
function merge(into: number[], m: readonly number[], n: number): void {
  for (let i = 0; i < n; i++) into[i] = i === LAT_MAX ? Math.max(into[i]!, m[i]!) : into[i]! + m[i]!;
}

/** Sum fine groups into one rollup's rows: `keys` gives each group's key values. */
function rollUp(fines: Iterable<Fine>, keys: (f: Fine) => (string | number)[][], measures: (f: Fine) => number[]): Group[] {
  const acc = new Map<string, Group>();
  for (const f of fines) {
    for (const k of keys(f)) {
      const id = keyOf(k);
      const g = acc.get(id);
      const m = measures(f);
      if (g) merge(g.m, m, m.length);
      else acc.set(id, { keys: k, m: m.slice() });
    }
  }
  return [...acc.values()];
}

export class RollupFold {
  private readonly dims: { attrs: number[]; upsert: Database.Statement }[];
  private readonly tagsUpsert: Database.Statement;
  private readonly savingsUpsert: Database.Statement;

  constructor(db: Database.Database) {
    const upsert = (table: string, keys: string[], measures: readonly string[], tail: string): Database.Statement =>
      db.prepare(`INSERT INTO ${table} (${[...keys, ...measures].join(', ')}) VALUES (${[...keys, ...measures].map(() => '?').join(', ')}) ${tail}`);
    this.dims = DIMENSION_ROLLUPS.map((r) => {
      const keys = ['hour', ...r.keys.map(([c]) => c)];
      return { attrs: attrsOf(r.keys), upsert: upsert(r.table, keys, MEASURES, upsertTail('sqlite', r.table, keys)) };
    });
    const tagKeys = ['hour', 'tag', 'team'];
    this.tagsUpsert = upsert('rollup_tags', tagKeys, MEASURES, upsertTail('sqlite', 'rollup_tags', tagKeys));
    const savingsKeys = ['hour', ...SAVINGS_KEYS.map(([c]) => c), 'reason'];
    const sum = (c: string): string => `${c} = rollup_savings.${c} + excluded.${c}`;
    this.savingsUpsert = upsert('rollup_savings', savingsKeys, ['calls', 'cost_nanos', 'saved_nanos'],
      `ON CONFLICT (${savingsKeys.join(', ')}) DO UPDATE SET ${sum('calls')}, ${sum('cost_nanos')}, ${sum('saved_nanos')}`);
  }

  /** Fold every row of `values` (CALL_COLUMNS order, all just inserted); false: nothing written, fold in SQL. */
  fold(values: readonly SqlValue[]): boolean {
    const fines = this.group(values);
    if (!fines) return false;
    const measures = (f: Fine): number[] => f.m.slice(0, M);
    const writes: [Database.Statement, Group[]][] = this.dims.map((d) => [d.upsert, rollUp(fines, (f) => [[f.hour, ...d.attrs.map((a) => f.attrs[a]!)]], measures)]);
    const tagRows = (f: Fine): (string | number)[][] => {
      const list = f.attrs[TAG_LIST]!;
      return (list === '' ? [''] : list.split(',')).map((tag) => [f.hour, tag, f.attrs[TEAM_AT]!]);
    };
    writes.push([this.tagsUpsert, rollUp(fines, tagRows, measures)]);
    const savingsKey = (f: Fine): (string | number)[][] => [[f.hour, ...SAVINGS_ATTRS.map((a) => f.attrs[a]!), f.reason]];
    writes.push([this.savingsUpsert, rollUp(fines.filter((f) => f.reason !== ''), savingsKey, (f) => [f.m[CALLS]!, f.m[COST]!, f.m[SAVED_AT]!])]);
    // Sums past 2^53 would lose precision in JS: leave such a batch to SQLite's integer sums.
    if (!writes.every(([, rows]) => rows.every((g) => g.m.every((v) => Number.isSafeInteger(v))))) return false;
    for (const [upsert, rows] of writes) for (const g of rows) upsert.run([...g.keys, ...g.m]);
    return true;
  }

  /**
   * The rows summed into fine groups; null if one cannot be summed exactly. Per row it allocates
   * nothing: a row's measures are added straight into its group, found by comparing its values with
   * the row before's group, then with each group (a flush holds few), and only past LINEAR_GROUPS
   * through a map key built for the row (building one for every row took most of the fold's time).
   */
  private group(values: readonly SqlValue[]): Fine[] | null {
    const list: Fine[] = [];
    const byKey = new Map<string, Fine>();
    const attrs = new Array<string>(ATTRS.length);
    const same = (f: Fine, hour: number, reason: string): boolean => {
      if (f.hour !== hour || f.reason !== reason) return false;
      for (let i = 0; i < attrs.length; i++) if (f.attrs[i] !== attrs[i]) return false;
      return true;
    };
    let last: Fine | undefined;
    for (let o = 0; o < values.length; o += WIDTH) {
      const started = values[o + STARTED];
      const ended = values[o + ENDED];
      const route = values[o + ROUTE];
      const saved = values[o + SAVED];
      if (!isInt(started) || !isInt(ended) || !isInt(saved) || (route !== null && typeof route !== 'string')) return null;
      for (let i = 0; i < ATTRS.length; i++) {
        const v = values[o + ATTRS[i]!];
        if (v === null || v === undefined) attrs[i] = '';
        else if (typeof v === 'string') attrs[i] = v;
        else return null;
      }
      const cw5 = values[o + CW5];
      const cw1 = values[o + CW1];
      if (!isInt(cw5) || !isInt(cw1)) return null;
      for (let i = 0; i < SUMMED.length; i++) if (SUMMED[i] !== -1 && !isInt(values[o + SUMMED[i]!])) return null;
      // SQLite's integer division truncates toward zero, as does the remainder here.
      const hour = started - (started % HOUR_MS);
      const reason = route === null || values[o + ATTEMPT_OF] !== null ? '' : values[o + CACHE_HIT] === 1 ? 'cache' : DOWNGRADE.test(route) ? 'downgrade' : 'routing';
      let g = last !== undefined && same(last, hour, reason) ? last : undefined;
      if (!g && list.length <= LINEAR_GROUPS) {
        for (let i = 0; i < list.length && !g; i++) if (same(list[i]!, hour, reason)) g = list[i];
      } else if (!g) g = byKey.get(keyOf([hour, reason, ...attrs]));
      const lat = ended - started;
      if (!g) {
        g = { hour, attrs: attrs.slice(), reason, m: new Array<number>(M + 1).fill(0) };
        g.m[LAT_MAX] = lat;
        list.push(g);
        byKey.set(keyOf([hour, reason, ...attrs]), g);
      } else if (lat > g.m[LAT_MAX]!) g.m[LAT_MAX] = lat;
      last = g;
      const m = g.m;
      m[CALLS]! += 1;
      if (values[o + STATUS] === 'error') m[1]! += 1;
      for (let i = 0; i < SUMMED.length; i++) {
        const c = SUMMED[i]!;
        m[2 + i]! += c === -1 ? cw5 + cw1 : (values[o + c] as number);
      }
      m[LAT_SUM]! += lat;
      let b = 0;
      while (b < LATENCY_BOUNDS_MS.length && lat > LATENCY_BOUNDS_MS[b]!) b++;
      m[LAT_0 + b]! += 1;
      m[SAVED_AT]! += saved;
    }
    return list;
  }
}
