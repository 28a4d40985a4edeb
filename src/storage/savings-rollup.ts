/**
 * Savings rollup, shared by the SQLite and Postgres backends: `rollup_savings` holds, per UTC hour x
 * (team, user, project, key, model, provider, agent) x reason, the count, cost and saved nano-dollars of
 * routed, downgraded and cached calls (first attempts only, as the savings report counts them). A
 * savings report reads whole hours from it and the partial hours at the edges of [from, to) from the
 * ledger (through its started_at index), so any window is exact and a month costs no ledger scan.
 * Grouping by run still reads the ledger (runs are not rolled up).
 */
import type { SpendGroup, SpendQuery } from './types.js';
import { HOUR_MS, HOUR_OF, type Dialect } from './rollups.js';

/** The savings rollup's key columns (before `reason`) and the ledger columns they come from. */
export const SAVINGS_KEYS = [
  ['team', 'team'],
  ['user_name', 'user'],
  ['project', 'project'],
  ['key_id', 'key_id'],
  ['model', 'served_model'],
  ['provider', 'provider'],
  ['agent', 'agent'],
] as const;

const q = (d: Dialect, col: string): string => (col === 'user' && d === 'postgres' ? '"user"' : col);
const bigint = (d: Dialect): string => (d === 'postgres' ? 'BIGINT' : 'INTEGER');
const sum = (d: Dialect, e: string): string => (d === 'postgres' ? `sum(${e})::bigint` : `sum(${e})`);

/** The reason of one ledger row, as the savings report names it. */
export function reasonSql(d: Dialect): string {
  return `CASE WHEN ${d === 'postgres' ? 'cache_hit' : 'cache_hit = 1'} THEN 'cache' WHEN route LIKE 'downgrade:%' THEN 'downgrade' ELSE 'routing' END`;
}

/** The ledger rows a savings report counts. */
export const SAVINGS_ROWS = 'route IS NOT NULL AND attempt_of IS NULL';

export function savingsTableSql(d: Dialect): string {
  return `CREATE TABLE rollup_savings (hour ${bigint(d)} NOT NULL, ${SAVINGS_KEYS.map(([c]) => `${c} TEXT NOT NULL`).join(', ')}, reason TEXT NOT NULL,
    calls ${bigint(d)} NOT NULL, cost_nanos ${bigint(d)} NOT NULL, saved_nanos ${bigint(d)} NOT NULL,
    PRIMARY KEY (hour, ${SAVINGS_KEYS.map(([c]) => c).join(', ')}, reason))`;
}

/** Fold the call rows of `source` (a table or CTE with the ledger's columns) into rollup_savings. */
export function foldSavingsSql(d: Dialect, source: string): string {
  const keys = ['hour', ...SAVINGS_KEYS.map(([c]) => c), 'reason'];
  const exprs = [HOUR_OF, ...SAVINGS_KEYS.map(([, src]) => `coalesce(${q(d, src)}, '')`), reasonSql(d)];
  const by = exprs.map((_, i) => String(i + 1)).join(', ');
  // ORDER BY: concurrent Postgres writers lock rollup rows in the same order, so they cannot deadlock.
  return `INSERT INTO rollup_savings (${keys.join(', ')}, calls, cost_nanos, saved_nanos)
    SELECT ${exprs.join(', ')}, ${sum(d, '1')}, ${sum(d, 'cost_nanos')}, ${sum(d, 'saved_nanos')}
    FROM ${source} WHERE ${SAVINGS_ROWS} GROUP BY ${by} ORDER BY ${by}
    ON CONFLICT (${keys.join(', ')}) DO UPDATE SET calls = rollup_savings.calls + excluded.calls,
      cost_nanos = rollup_savings.cost_nanos + excluded.cost_nanos, saved_nanos = rollup_savings.saved_nanos + excluded.saved_nanos`;
}

/** The group expression over the rollup: the ledger's with its columns renamed ('' reads as none). */
function rollupGroup(d: Dialect, by: SpendGroup): string {
  if (by === 'day') return d === 'postgres' ? "to_char(to_timestamp(hour / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')" : "strftime('%Y-%m-%d', hour / 1000, 'unixepoch')";
  const col = SAVINGS_KEYS.find(([, src]) => src === (by === 'key' ? 'key_id' : by === 'model' ? 'served_model' : by))?.[0];
  if (!col) throw new Error(`savings rollup cannot group by ${by}`);
  return `nullif(${col}, '')`;
}

/**
 * One savings query over the rollup (whole hours) and the ledger (partial edge hours), in the order of
 * the ledger query: the largest saving first, then by group and reason. `callGroup` is the backend's
 * group expression over the ledger; placeholders are `?` (Postgres callers renumber them).
 */
export function savingsReportSql(d: Dialect, qy: SpendQuery, callGroup: string): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const parts: string[] = [];
  const lo = qy.from;
  const hi = qy.to;
  const fullFrom = lo === undefined ? undefined : Math.ceil(lo / HOUR_MS) * HOUR_MS;
  const fullTo = hi === undefined ? undefined : Math.floor(hi / HOUR_MS) * HOUR_MS;
  const ledger = (from: number | undefined, to: number | undefined): void => {
    const where = [SAVINGS_ROWS];
    const add = (clause: string, v: string | number | undefined): void => {
      if (v === undefined) return;
      where.push(clause);
      params.push(v);
    };
    add('started_at >= ?', from);
    add('started_at < ?', to);
    add('team = ?', qy.team);
    parts.push(`SELECT ${callGroup} AS grp, ${reasonSql(d)} AS reason, 1 AS calls, cost_nanos AS cost, saved_nanos AS saved FROM calls WHERE ${where.join(' AND ')}`);
  };
  if (fullFrom !== undefined && fullTo !== undefined && fullFrom >= fullTo) ledger(lo, hi);
  else {
    const where: string[] = [];
    const add = (clause: string, v: string | number | undefined): void => {
      if (v === undefined) return;
      where.push(clause);
      params.push(v);
    };
    add('hour >= ?', fullFrom);
    add('hour < ?', fullTo);
    add('team = ?', qy.team);
    parts.push(`SELECT ${rollupGroup(d, qy.groupBy)} AS grp, reason, calls, cost_nanos AS cost, saved_nanos AS saved FROM rollup_savings${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`);
    if (lo !== undefined && lo < fullFrom!) ledger(lo, fullFrom);
    if (hi !== undefined && fullTo! < hi) ledger(fullTo, hi);
  }
  const order = d === 'postgres' ? 'saved DESC, grp COLLATE "C" NULLS FIRST, reason' : 'saved DESC, grp, reason';
  const sql = `SELECT grp, reason, ${sum(d, 'calls')} AS calls, ${sum(d, 'cost')} AS cost, ${sum(d, 'saved')} AS saved
    FROM (${parts.join('\n    UNION ALL ')}) s GROUP BY grp, reason ORDER BY ${order}`;
  return { sql, params };
}
