/**
 * The rollup fold of a batch of new calls done in the worker's JS: the batch summed per rollup key in
 * memory, then one upsert per key and rollup (foldAllSql and foldSavingsSql run the per-row work in
 * SQL, which cost the worker about as much as inserting the calls; a flush of one key's calls now
 * writes one row per rollup). It adds exactly what those SQL folds add for the same rows: the same
 * hour, the same '' for a missing attribute, the same measures and tag split, integer sums. Rows it
 * cannot sum exactly as SQLite would (a non-integer time or measure, a non-text attribute, a sum past
 * 2^53) make `fold` return false before anything is written, and the caller runs the SQL folds instead.
 * test/contract/analytics.contract.ts checks the reports against a full scan of the ledger.
 */
import type Database from 'better-sqlite3';
import { CALL_COLUMNS, type SqlValue } from './call-columns.js';
import { DIMENSION_ROLLUPS, HOUR_MS, LATENCY_BOUNDS_MS, MEASURES, upsertTail } from '../rollups.js';
import { SAVINGS_KEYS } from '../savings-rollup.js';

type Column = (typeof CALL_COLUMNS)[number];
const col = (name: Column): number => CALL_COLUMNS.indexOf(name);
const WIDTH = CALL_COLUMNS.length;
const STARTED = col('started_at');
const ENDED = col('ended_at');
const STATUS = col('status');
const TAGS = col('tags');
const TEAM = col('team');
const ROUTE = col('route');
const ATTEMPT_OF = col('attempt_of');
const CACHE_HIT = col('cache_hit');
const COST = col('cost_nanos');
const SAVED = col('saved_nanos');
const CW5 = col('cache_write_5m_tokens');
const CW1 = col('cache_write_1h_tokens');
/** Measures 2..7 (input, cached, cache write, output, reasoning, cost) as call columns; -1: both cache writes. */
const SUMMED = [col('input_tokens'), col('cached_input_tokens'), -1, col('output_tokens'), col('reasoning_tokens'), COST];
const M = MEASURES.length;
const LAT_SUM = MEASURES.indexOf('latency_sum_ms');
const LAT_MAX = MEASURES.indexOf('latency_max_ms');
const LAT_0 = MEASURES.indexOf('lat_0');
const DOWNGRADE = /^downgrade:/i; // LIKE 'downgrade:%' ignores ASCII case

interface Group {
  keys: SqlValue[];
  m: number[];
}
type Acc = Map<string, Group>;

interface Target {
  /** Call columns of the key, after the hour. */
  src: number[];
  acc: Acc;
  upsert: Database.Statement;
}

const isInt = (v: SqlValue | undefined): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isText = (v: SqlValue | undefined): boolean => v === null || typeof v === 'string';
/** An unambiguous map key for a list of key values. */
const keyOf = (hour: number, vals: readonly string[]): string => {
  let k = String(hour);
  for (const v of vals) k += `\u0001${v.length}:${v}`;
  return k;
};

function add(acc: Acc, hour: number, vals: string[], m: readonly number[], max: number): void {
  const k = keyOf(hour, vals);
  const g = acc.get(k);
  if (!g) {
    acc.set(k, { keys: [hour, ...vals], m: m.slice() });
    return;
  }
  for (let i = 0; i < m.length; i++) g.m[i] = i === max ? Math.max(g.m[i]!, m[i]!) : g.m[i]! + m[i]!;
}

export class RollupFold {
  private readonly dims: Target[];
  private readonly tags: Acc = new Map();
  private readonly savings: Acc = new Map();
  private readonly tagsUpsert: Database.Statement;
  private readonly savingsUpsert: Database.Statement;
  private readonly m = new Array<number>(M).fill(0);

  constructor(db: Database.Database) {
    const upsert = (table: string, keys: string[], measures: readonly string[], tail: string): Database.Statement =>
      db.prepare(`INSERT INTO ${table} (${[...keys, ...measures].join(', ')}) VALUES (${[...keys, ...measures].map(() => '?').join(', ')}) ${tail}`);
    this.dims = DIMENSION_ROLLUPS.map((r) => {
      const keys = ['hour', ...r.keys.map(([c]) => c)];
      return { src: r.keys.map(([, s]) => col(s as Column)), acc: new Map(), upsert: upsert(r.table, keys, MEASURES, upsertTail('sqlite', r.table, keys)) };
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
    try {
      if (!this.sum(values)) return false;
      for (const t of this.dims) this.write(t.acc, t.upsert);
      this.write(this.tags, this.tagsUpsert);
      this.write(this.savings, this.savingsUpsert);
      return true;
    } finally {
      for (const t of this.dims) t.acc.clear();
      this.tags.clear();
      this.savings.clear();
    }
  }

  private sum(values: readonly SqlValue[]): boolean {
    const m = this.m;
    for (let o = 0; o < values.length; o += WIDTH) {
      const started = values[o + STARTED];
      const ended = values[o + ENDED];
      if (!isInt(started) || !isInt(ended) || !isText(values[o + STATUS]) || !isText(values[o + TAGS]) || !isText(values[o + ROUTE])) return false;
      // SQLite's integer division truncates toward zero, as does the remainder here.
      const hour = started - (started % HOUR_MS);
      m.fill(0);
      m[0] = 1;
      m[1] = values[o + STATUS] === 'error' ? 1 : 0;
      for (let i = 0; i < SUMMED.length; i++) {
        const c = SUMMED[i]!;
        if (c === -1) {
          const a = values[o + CW5];
          const b = values[o + CW1];
          if (!isInt(a) || !isInt(b)) return false;
          m[2 + i] = a + b;
        } else {
          const v = values[o + c];
          if (!isInt(v)) return false;
          m[2 + i] = v;
        }
      }
      const lat = ended - started;
      m[LAT_SUM] = lat;
      m[LAT_MAX] = lat;
      let b = 0;
      while (b < LATENCY_BOUNDS_MS.length && lat > LATENCY_BOUNDS_MS[b]!) b++;
      m[LAT_0 + b] = 1;
      for (const t of this.dims) {
        const vals = this.keyValues(values, o, t.src);
        if (!vals) return false;
        add(t.acc, hour, vals, m, LAT_MAX);
      }
      const team = values[o + TEAM] as string;
      const list = (values[o + TAGS] as string | null) ?? '';
      for (const tag of list === '' ? [''] : list.split(',')) add(this.tags, hour, [tag, team], m, LAT_MAX);
      const route = values[o + ROUTE] as string | null;
      if (route !== null && values[o + ATTEMPT_OF] === null) {
        const keys = this.keyValues(values, o, SAVINGS_SRC);
        const cost = values[o + COST];
        const saved = values[o + SAVED];
        if (!keys || !isInt(cost) || !isInt(saved)) return false;
        keys.push(values[o + CACHE_HIT] === 1 ? 'cache' : DOWNGRADE.test(route) ? 'downgrade' : 'routing');
        add(this.savings, hour, keys, [1, cost, saved], -1);
      }
    }
    // Sums past 2^53 would lose precision in JS: leave such a batch to SQLite's integer sums.
    const exact = (acc: Acc): boolean => {
      for (const g of acc.values()) for (const v of g.m) if (!Number.isSafeInteger(v)) return false;
      return true;
    };
    return this.dims.every((t) => exact(t.acc)) && exact(this.tags) && exact(this.savings);
  }

  /** The key's attributes of the row at `o`, '' for none; null if one is not text. */
  private keyValues(values: readonly SqlValue[], o: number, src: readonly number[]): string[] | null {
    const out = new Array<string>(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = values[o + src[i]!];
      if (v === null || v === undefined) out[i] = '';
      else if (typeof v === 'string') out[i] = v;
      else return null;
    }
    return out;
  }

  private write(acc: Acc, upsert: Database.Statement): void {
    for (const g of acc.values()) upsert.run([...g.keys, ...g.m]);
  }
}

const SAVINGS_SRC = SAVINGS_KEYS.map(([, s]) => col(s as Column));
