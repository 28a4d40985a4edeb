/**
 * AnalyticsQuery -> SQL, one builder for both dialects (they differ only in placeholders, the quoting of
 * "user" and how tags are split). Where the rows come from:
 * - the smallest per-dimension rollup (rollup_team, rollup_team_model, rollup_hourly) whose keys cover
 *   every grouped and filtered dimension (org is a constant, always covered);
 * - `rollup_tags` when tag is involved with at most team besides;
 * - the ledger itself (through its run/started_at indexes) when run is involved, or tag with other dimensions.
 * Rollups hold whole UTC hours; the partial hours at the edges of [from, to) are read from the ledger with
 * the same per-call measures and unioned in, so any from/to is exact.
 */
import { callTagsSql, callMeasures, combine, DIMENSION_ROLLUPS, HOUR_MS, HOUR_OF, MEASURES, type Dialect } from '../storage/rollups.js';
import { DIMENSIONS, type AnalyticsQuery, type Dimension } from './query.js';
import { localDaySql, offsetSegments } from './time-buckets.js';

/** A rollup table, or the ledger itself. */
type Source = string;

const HOURLY_COLUMN: Partial<Record<Dimension, string>> = {
  team: 'team', user: 'user_name', project: 'project', key: 'key_id', model: 'model', provider: 'provider', agent: 'agent',
};
const CALL_COLUMN: Partial<Record<Dimension, string>> = {
  team: 'team', user: 'user', project: 'project', key: 'key_id', model: 'served_model', provider: 'provider', agent: 'agent', run: 'run',
};

export interface SqlPlan {
  /** When set, run first: the ledger's first and last start (columns lo, hi), to place DST changes. */
  rangeSql: string | null;
  build(range?: { lo: number | null; hi: number | null }): { sql: string; params: (string | number)[] };
  /** Dimensions the result rows carry as d_<dim> columns, in order. */
  dims: Dimension[];
}

function sourceOf(dims: Set<Dimension>): Source {
  if (dims.has('run')) return 'calls';
  const within = (allowed: Dimension[]): boolean => [...dims].every((d) => d === 'org' || allowed.includes(d));
  if (dims.has('tag')) return within(['tag', 'team']) ? 'rollup_tags' : 'calls';
  const covering = DIMENSION_ROLLUPS.find((r) => within(DIMENSIONS.filter((d) => r.keys.some(([col]) => col === HOURLY_COLUMN[d]))));
  return covering?.table ?? 'calls';
}

/** null when the query can match nothing (an org filter naming another org). */
export function planAnalytics(q: AnalyticsQuery, d: Dialect): SqlPlan | null {
  const filters = Object.entries(q.filters ?? {}).filter((e): e is [Dimension, string] => e[1] !== undefined);
  const org = q.org ?? 'default';
  if (filters.some(([dim, v]) => dim === 'org' && v !== org)) return null;
  // org is a constant: it is added to the rows afterwards, never asked of the database.
  const dims = q.groupBy.filter((g) => g !== 'org');
  const source = sourceOf(new Set([...dims, ...filters.map(([dim]) => dim)]));
  const tz = q.timezone ?? 'UTC';
  const needsRange = q.bucket !== undefined && q.bucket !== 'hour' && tz !== 'UTC' && (q.from === undefined || q.to === undefined);
  return {
    dims,
    rangeSql: needsRange ? 'SELECT min(started_at) AS lo, max(started_at) AS hi FROM calls' : null,
    build(range) {
      const params: (string | number)[] = [];
      const p = (v: string | number): string => {
        params.push(v);
        return d === 'postgres' ? `$${params.length}` : '?';
      };
      const parts: string[] = [];
      const lo = q.from;
      const hi = q.to;
      const fullFrom = lo === undefined ? undefined : Math.ceil(lo / HOUR_MS) * HOUR_MS;
      const fullTo = hi === undefined ? undefined : Math.floor(hi / HOUR_MS) * HOUR_MS;
      if (source !== 'calls' && (fullFrom === undefined || fullTo === undefined || fullFrom < fullTo)) {
        parts.push(rollupRows(source, dims, filters, fullFrom, fullTo, p));
        if (lo !== undefined && lo < fullFrom!) parts.push(callRows(d, dims, filters, lo, fullFrom!, p));
        if (hi !== undefined && fullTo! < hi) parts.push(callRows(d, dims, filters, fullTo!, hi, p));
      } else {
        parts.push(callRows(d, dims, filters, lo, hi, p));
      }
      const bucketCol = bucketSql(q, tz, range);
      const keys = [...(bucketCol ? [`${bucketCol} AS b`] : []), ...dims.map((dim) => `d_${dim}`)];
      const aggs = MEASURES.map((m) => `${combine(d, m, m)} AS ${m}`);
      const groupBy = keys.length ? `GROUP BY ${keys.map((_, i) => String(i + 1)).join(', ')}` : '';
      const sql = `SELECT ${[...keys, ...aggs].join(', ')} FROM (${parts.join(' UNION ALL ')}) src ${groupBy}`;
      return { sql, params };
    },
  };
}

function bucketSql(q: AnalyticsQuery, tz: string, range?: { lo: number | null; hi: number | null }): string | null {
  if (q.bucket === undefined) return null;
  if (q.bucket === 'hour') return 'hour';
  const lo = q.from ?? range?.lo ?? 0;
  const hi = q.to ?? range?.hi ?? lo;
  return localDaySql('hour', tz === 'UTC' ? [{ from: -Infinity, offset: 0 }] : offsetSegments(tz, lo, hi));
}

type Bind = (v: string | number) => string;

function rollupRows(source: Source, dims: Dimension[], filters: [Dimension, string][], from: number | undefined, to: number | undefined, p: Bind): string {
  const col = (dim: Dimension): string => (source === 'rollup_tags' ? dim : HOURLY_COLUMN[dim]!);
  const where: string[] = [];
  if (from !== undefined) where.push(`hour >= ${p(from)}`);
  if (to !== undefined) where.push(`hour < ${p(to)}`);
  for (const [dim, v] of filters) if (dim !== 'org') where.push(`${col(dim)} = ${p(v)}`);
  const select = ['hour', ...dims.map((dim) => `${col(dim)} AS d_${dim}`), ...MEASURES];
  return `SELECT ${select.join(', ')} FROM ${source}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
}

function callRows(d: Dialect, dims: Dimension[], filters: [Dimension, string][], from: number | undefined, to: number | undefined, p: Bind): string {
  const quote = (c: string): string => (c === 'user' && d === 'postgres' ? '"user"' : c);
  const where: string[] = [];
  if (from !== undefined) where.push(`started_at >= ${p(from)}`);
  if (to !== undefined) where.push(`started_at < ${p(to)}`);
  for (const [dim, v] of filters) if (dim !== 'org' && dim !== 'tag') where.push(`${quote(CALL_COLUMN[dim]!)} = ${p(v)}`);
  const measures = callMeasures().map((m, i) => `${m} AS ${MEASURES[i]}`);
  const plainDims = dims.filter((dim) => dim !== 'tag');
  const select = [`${HOUR_OF} AS hour`, ...plainDims.map((dim) => `coalesce(${quote(CALL_COLUMN[dim]!)}, '') AS d_${dim}`), ...measures];
  const rows = `SELECT ${select.join(', ')}${dims.includes('tag') || filters.some(([dim]) => dim === 'tag') ? ', tags' : ''} FROM calls${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  const tagFilter = filters.find(([dim]) => dim === 'tag');
  if (!dims.includes('tag') && !tagFilter) return rows;
  // Split tags: one row per (call, tag), then keep the filtered tag and/or expose it as d_tag.
  const cols = ['hour', ...plainDims.map((dim) => `d_${dim}`), ...MEASURES];
  const split = callTagsSql(d, rows, cols);
  const outer = ['hour', ...dims.map((dim) => (dim === 'tag' ? 'tag AS d_tag' : `d_${dim}`)), ...MEASURES];
  return `SELECT ${outer.join(', ')} FROM (${split}) tagged${tagFilter ? ` WHERE tag = ${p(tagFilter[1])}` : ''}`;
}
