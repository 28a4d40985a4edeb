/**
 * Rollup tables of the ledger, shared by the SQLite and Postgres backends: their DDL, and the one SQL
 * that folds a set of call rows into them. The migration back-fills with it over `calls`; appendCalls
 * runs the very same SQL over only the rows it actually inserted (a staged batch in SQLite, the
 * `RETURNING` rows of the insert in Postgres), so a call id seen twice is never counted twice.
 *
 * - `rollup_hourly`: per UTC hour x (team, user, project, key, model, provider, agent).
 * - `rollup_team_model`: per UTC hour x (team, model, provider), and `rollup_team`: per UTC hour x team:
 *   a few hundred (a few dozen) rows an hour whatever the number of users and keys, so the common "by
 *   team / by model, per day" reports read little.
 * - `rollup_tags`: per UTC hour x (tag, team); a call counts once under each tag in its list, and calls
 *   without tags under the tag ''.
 * A missing attribute is stored as '' (key columns cannot be NULL in a primary key), and read back as
 * null; an attribute sent as an empty string therefore reads as none too.
 */

/**
 * Upper bounds (ms, inclusive) of the latency histogram buckets; one more bucket holds the rest. Fine
 * below 100 ms: cache hits and small models answer in tens of milliseconds, and a percentile reads as
 * its bucket's bound. Changing them needs a migration that rebuilds the rollups (rebuildRollupsSql).
 */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000] as const;
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export type Dialect = 'sqlite' | 'postgres';

/** The hourly rollup's key columns and the ledger expressions they come from. */
export const HOURLY_KEYS = [
  ['team', 'team'],
  ['user_name', 'user'],
  ['project', 'project'],
  ['key_id', 'key_id'],
  ['model', 'served_model'],
  ['provider', 'provider'],
  ['agent', 'agent'],
] as const;

/** The coarse rollup's key columns (all also in the hourly one). */
export const TEAM_MODEL_KEYS = [
  ['team', 'team'],
  ['model', 'served_model'],
  ['provider', 'provider'],
] as const;

type KeySpec = readonly (readonly [string, string])[];

/** The per-dimension rollups, smallest first: a report reads the first whose keys cover it. */
export const DIMENSION_ROLLUPS: readonly { table: string; keys: KeySpec }[] = [
  { table: 'rollup_team', keys: [['team', 'team']] },
  { table: 'rollup_team_model', keys: TEAM_MODEL_KEYS },
  { table: 'rollup_hourly', keys: HOURLY_KEYS },
];

const LAT_COLS = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `lat_${i}`);
/** Measure columns of both rollups, in order. */
export const MEASURES = [
  'calls', 'errors', 'input_tokens', 'cached_input_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens',
  'cost_nanos', 'latency_sum_ms', 'latency_max_ms', ...LAT_COLS,
] as const;

const q = (d: Dialect, col: string): string => (col === 'user' && d === 'postgres' ? '"user"' : col);

/** Per-call measure expressions over a ledger row, named like MEASURES (sums of these make a rollup). */
export function callMeasures(): string[] {
  const lat = '(ended_at - started_at)';
  // Each bucket tests its own two bounds (not a CASE over all of them): measurably cheaper per call.
  const bucket = (i: number): string => {
    const lo = i === 0 ? null : LATENCY_BOUNDS_MS[i - 1]!;
    const hi = i === LATENCY_BOUNDS_MS.length ? null : LATENCY_BOUNDS_MS[i]!;
    const cond = [lo === null ? null : `${lat} > ${lo}`, hi === null ? null : `${lat} <= ${hi}`].filter(Boolean).join(' AND ');
    return `CASE WHEN ${cond} THEN 1 ELSE 0 END`;
  };
  return [
    '1',
    "CASE WHEN status = 'error' THEN 1 ELSE 0 END",
    'input_tokens',
    'cached_input_tokens',
    'cache_write_5m_tokens + cache_write_1h_tokens',
    'output_tokens',
    'reasoning_tokens',
    'cost_nanos',
    lat,
    lat,
    ...LAT_COLS.map((_, i) => bucket(i)),
  ];
}

/** How one measure of many rollup rows (or call rows) combines: max for the maximum, sum otherwise. */
export function combine(d: Dialect, measure: string, expr: string): string {
  if (measure === 'latency_max_ms') return `max(${expr})`;
  return d === 'postgres' ? `sum(${expr})::bigint` : `sum(${expr})`;
}

export const HOUR_MS = 3_600_000;
export const HOUR_OF = `(started_at / ${HOUR_MS}) * ${HOUR_MS}`;

const bigint = (d: Dialect): string => (d === 'postgres' ? 'BIGINT' : 'INTEGER');

/**
 * The ledger's run index as it now stands: partial, since most calls carry no run. It replaces the full
 * calls_run_started that rollupTablesSql still creates (old migrations run it as they first did), and
 * calls_run, whose every use it covers. A migration that runs rebuildRollupsSql must run this after it.
 */
export const RUN_INDEX_SQL = `DROP INDEX IF EXISTS calls_run_started;
    DROP INDEX IF EXISTS calls_run;
    CREATE INDEX calls_run_started ON calls (run, started_at) WHERE run IS NOT NULL;`;

export function rollupTablesSql(d: Dialect): string {
  const measures = MEASURES.map((m) => `${m} ${bigint(d)} NOT NULL`).join(', ');
  const table = (name: string, keys: KeySpec): string =>
    `CREATE TABLE ${name} (hour ${bigint(d)} NOT NULL, ${keys.map(([c]) => `${c} TEXT NOT NULL`).join(', ')}, ${measures},
      PRIMARY KEY (hour, ${keys.map(([c]) => c).join(', ')}));`;
  return `${DIMENSION_ROLLUPS.map((r) => table(r.table, r.keys)).join('\n    ')}
    CREATE TABLE rollup_tags (hour ${bigint(d)} NOT NULL, tag TEXT NOT NULL, team TEXT NOT NULL, ${measures},
      PRIMARY KEY (hour, tag, team));
    CREATE INDEX calls_run_started ON calls (run, started_at);`;
}

/** Drop the rollups and build them again from the ledger (after a change of their measures). */
export function rebuildRollupsSql(d: Dialect): string {
  const drops = [...DIMENSION_ROLLUPS.map((r) => r.table), 'rollup_tags'].map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n    ');
  return `${drops}
    DROP INDEX IF EXISTS calls_run_started;
    ${rollupTablesSql(d)}
    ${foldAllSql(d, 'calls').join(';\n')};`;
}

/** The ON CONFLICT clause that adds a row's measures to a rollup row with the same keys. */
export function upsertTail(d: Dialect, table: string, keys: string[]): string {
  const set = MEASURES.map((m) =>
    m === 'latency_max_ms'
      ? `${m} = ${d === 'postgres' ? 'greatest' : 'max'}(${table}.${m}, excluded.${m})`
      : `${m} = ${table}.${m} + excluded.${m}`,
  );
  return `ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${set.join(', ')}`;
}

/** Fold the call rows of `source` (a table or CTE with the ledger's columns) into one per-dimension rollup. */
export function foldRollupSql(d: Dialect, source: string, table: string): string {
  const r = DIMENSION_ROLLUPS.find((x) => x.table === table);
  if (!r) throw new Error(`no rollup ${table}`);
  return foldSql(d, source, r.table, r.keys);
}

function foldSql(d: Dialect, source: string, table: string, spec: KeySpec): string {
  const keys = ['hour', ...spec.map(([c]) => c)];
  const keyExprs = [HOUR_OF, ...spec.map(([, src]) => `coalesce(${q(d, src)}, '')`)];
  const measures = callMeasures();
  const aggs = MEASURES.map((m, i) => combine(d, m, measures[i]!));
  const groupBy = keyExprs.map((_, i) => String(i + 1)).join(', ');
  // ORDER BY: concurrent Postgres writers lock rollup rows in the same order, so they cannot deadlock.
  return `INSERT INTO ${table} (${keys.join(', ')}, ${MEASURES.join(', ')})
    SELECT ${keyExprs.join(', ')}, ${aggs.join(', ')} FROM ${source} WHERE true GROUP BY ${groupBy} ORDER BY ${groupBy}
    ${upsertTail(d, table, keys)}`;
}

/** Every fold, in order: what the migration back-fills with and what appendCalls runs. */
export function foldAllSql(d: Dialect, source: string): string[] {
  return [...DIMENSION_ROLLUPS.map((r) => foldSql(d, source, r.table, r.keys)), foldTagsSql(d, source)];
}

/** The same for rollup_tags: one row per (call, tag). */
export function foldTagsSql(d: Dialect, source: string): string {
  const keys = ['hour', 'tag', 'team'];
  const measures = callMeasures();
  const perCall = MEASURES.map((m, i) => `${measures[i]} AS ${m}`).join(', ');
  const aggs = MEASURES.map((m) => combine(d, m, m)).join(', ');
  const tail = upsertTail(d, 'rollup_tags', keys);
  const split = callTagsSql(d, `SELECT ${HOUR_OF} AS hour, team, tags, ${perCall} FROM ${source}`, ['hour', 'team', ...MEASURES], true);
  return `INSERT INTO rollup_tags (${keys.join(', ')}, ${MEASURES.join(', ')})
    SELECT hour, tag, team, ${aggs} FROM (${split}) per_tag WHERE true GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 ${tail}`;
}

/**
 * `rows` (a SELECT with columns `cols` and `tags`) with one row per element of its comma-separated tags,
 * the element in column `tag` ('' for no tags); `tags` itself is dropped. SQLite has no string split: a
 * recursive CTE peels one tag per step. `rowsMayRepeat`: `rows` has no bind parameters, so it may be
 * read twice (untagged and single-tag rows skip the recursion).
 */
export function callTagsSql(d: Dialect, rows: string, cols: readonly string[], rowsMayRepeat = false): string {
  const list = cols.join(', ');
  if (d === 'postgres') {
    return `SELECT ${cols.map((c) => `r.${c}`).join(', ')}, t.tag FROM (${rows}) r
      CROSS JOIN LATERAL unnest(CASE WHEN coalesce(r.tags, '') = '' THEN ARRAY[''] ELSE string_to_array(r.tags, ',') END) AS t(tag)`;
  }
  if (!rowsMayRepeat) {
    // `rows` holds bind placeholders: it must appear once.
    return `WITH RECURSIVE split(${list}, rest, tag) AS (
        SELECT ${list}, coalesce(tags, '') || ',', NULL FROM (${rows})
        UNION ALL
        SELECT ${list}, substr(rest, instr(rest, ',') + 1), substr(rest, 1, instr(rest, ',') - 1) FROM split WHERE rest <> ''
      ) SELECT ${list}, tag FROM split WHERE tag IS NOT NULL`;
  }
  // Most calls carry no tag or one: only lists with a comma go through the (costlier) recursion.
  return `SELECT ${list}, coalesce(tags, '') AS tag FROM (${rows}) WHERE instr(coalesce(tags, ''), ',') = 0
    UNION ALL
    SELECT * FROM (WITH RECURSIVE split(${list}, rest, tag) AS (
      SELECT ${list}, tags || ',', NULL FROM (${rows}) WHERE instr(coalesce(tags, ''), ',') > 0
      UNION ALL
      SELECT ${list}, substr(rest, instr(rest, ',') + 1), substr(rest, 1, instr(rest, ',') - 1) FROM split WHERE rest <> ''
    ) SELECT ${list}, tag FROM split WHERE tag IS NOT NULL)`;
}
