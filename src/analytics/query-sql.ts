/**
 * AnalyticsQuery -> SQL, one builder for both dialects (they differ only in placeholders, the quoting of
 * "user" and how tags are split). Where the rows come from:
 * - the smallest per-dimension rollup (rollup_team, rollup_team_model, rollup_hourly) whose keys cover
 *   every grouped and filtered dimension (org is a constant, always covered);
 * - `rollup_tags` when tag is involved with at most team besides;
 * - the ledger itself (through its run/started_at indexes) when run is involved, or tag with other dimensions.
 * Rollups hold whole UTC hours; the partial hours at the edges of [from, to) are read from the ledger with
 * the same per-call measures and unioned in, so any from/to is exact. So are the hours a local day boundary
 * cuts inside (one a day in a +5:30 zone, none in whole-hour zones, see time-buckets.ts): the rollups skip
 * them and the ledger's calls of those hours are bucketed by their own start. Only such hours touch the
 * ledger, each an index range on started_at.
 */
import { callTagsSql, callMeasures, combine, DIMENSION_ROLLUPS, HOUR_MS, HOUR_OF, MEASURES, type Dialect } from '../storage/rollups.js';
import { DIMENSIONS, type AnalyticsQuery, type Dimension } from './query.js';
import { localDaySql, offsetSegments, splitHours, utcOffset, type OffsetSegment } from './time-buckets.js';

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
  // Local days outside UTC: the zone's offsets are placed over the calls the ledger holds (an index
  // lookup), never over the whole window asked for (from=1000-01-01 cost a zone lookup per day of it).
  const needsRange = q.bucket !== undefined && q.bucket !== 'hour' && tz !== 'UTC';
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
      const span = counted(q, range);
      const segments = localSegments(q, tz, span);
      const at = q.bucket === 'hour' ? HOUR_OF : 'started_at';
      const bucketCol = q.bucket === 'hour' ? 'at' : segments && localDaySql('at', segments);
      if (source !== 'calls' && (fullFrom === undefined || fullTo === undefined || fullFrom < fullTo)) {
        const split = segments && span ? splitHours(segments, Math.max(fullFrom ?? -Infinity, hourOf(span[0])), Math.min(fullTo ?? Infinity, hourAfter(span[1] - 1))) : [];
        parts.push(rollupRows(source, dims, filters, { from: fullFrom, to: fullTo, skip: split }, p));
        const spans: Span[] = [];
        if (lo !== undefined && lo < fullFrom!) spans.push([lo, fullFrom!]);
        for (const h of split) spans.push([h, h + HOUR_MS]);
        if (hi !== undefined && fullTo! < hi) spans.push([fullTo!, hi]);
        if (spans.length) parts.push(summed(d, callRows(d, dims, filters, { at, spans: joinSpans(spans) }, p), dims, bucketCol));
      } else {
        parts.push(callRows(d, dims, filters, { at, spans: [[lo, hi]] }, p));
      }
      const keys = [...(bucketCol ? [`${bucketCol} AS b`] : []), ...dims.map((dim) => `d_${dim}`)];
      const aggs = MEASURES.map((m) => `${combine(d, m, m)} AS ${m}`);
      const groupBy = keys.length ? `GROUP BY ${keys.map((_, i) => String(i + 1)).join(', ')}` : '';
      const sql = `SELECT ${[...keys, ...aggs].join(', ')} FROM (${parts.join(' UNION ALL ')}) src ${groupBy}`;
      return { sql, params };
    },
  };
}

/**
 * Per-call rows summed per bucket and group before they join the rollup rows (far fewer rows to union
 * and group again); `at`, the earliest start, still falls in the group's bucket.
 */
function summed(d: Dialect, perCall: string, dims: Dimension[], bucket: string | null): string {
  const keys = [...(bucket ? [bucket] : []), ...dims.map((dim) => `d_${dim}`)];
  const cols = ['min(at) AS at', ...dims.map((dim) => `d_${dim}`), ...MEASURES.map((m) => `${combine(d, m, m)} AS ${m}`)];
  return `SELECT ${cols.join(', ')} FROM (${perCall}) per_call${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
}

/**
 * [first, last + 1) of the calls the query can count: its window within the ledger's first and last
 * start (from the range query); null when there are none (an empty ledger, a window past its calls)
 * or without a range (UTC, hourly buckets).
 */
function counted(q: AnalyticsQuery, range?: { lo: number | null; hi: number | null }): [number, number] | null {
  if (!range || range.lo === null || range.hi === null) return null;
  const lo = Math.max(q.from ?? -Infinity, range.lo);
  const hi = Math.min(q.to ?? Infinity, range.hi + 1);
  return lo < hi ? [lo, hi] : null;
}

/**
 * The zone's offsets, for day/week/month buckets (null without one), placed over the calls counted
 * only: a window of centuries over a ledger of months costs no more than the months.
 */
function localSegments(q: AnalyticsQuery, tz: string, span: [number, number] | null): OffsetSegment[] | null {
  if (q.bucket === undefined || q.bucket === 'hour') return null;
  if (tz === 'UTC') return [{ from: -Infinity, offset: 0 }];
  // No call to count: any offset does.
  if (span === null) return [{ from: -Infinity, offset: utcOffset(tz, q.from ?? 0) }];
  return offsetSegments(tz, span[0], span[1]);
}

const hourOf = (t: number): number => Math.floor(t / HOUR_MS) * HOUR_MS;
const hourAfter = (t: number): number => hourOf(t) + HOUR_MS;

/** [from, to) on started_at; undefined: unbounded. */
type Span = [number | undefined, number | undefined];

/** Sorted spans with the adjacent ones joined (an edge partial hour next to a split hour is one range). */
function joinSpans(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && last[1] === s[0]) last[1] = s[1];
    else out.push([...s]);
  }
  return out;
}

type Bind = (v: string | number) => string;

/** Rollup rows of the whole hours in [from, to), less the `skip` hours; their start as `at`. */
function rollupRows(source: Source, dims: Dimension[], filters: [Dimension, string][], hours: { from?: number; to?: number; skip: number[] }, p: Bind): string {
  const col = (dim: Dimension): string => (source === 'rollup_tags' ? dim : HOURLY_COLUMN[dim]!);
  const where: string[] = [];
  if (hours.from !== undefined) where.push(`hour >= ${p(hours.from)}`);
  if (hours.to !== undefined) where.push(`hour < ${p(hours.to)}`);
  if (hours.skip.length) where.push(`hour NOT IN (${hours.skip.map(p).join(', ')})`);
  for (const [dim, v] of filters) if (dim !== 'org') where.push(`${col(dim)} = ${p(v)}`);
  const select = ['hour AS at', ...dims.map((dim) => `${col(dim)} AS d_${dim}`), ...MEASURES];
  return `SELECT ${select.join(', ')} FROM ${source}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
}

/**
 * Ledger rows started in any of `spans`, one per call (per call and tag when tags are involved), with
 * `at` the instant they are bucketed by: their hour for hour buckets, their own start otherwise.
 */
function callRows(d: Dialect, dims: Dimension[], filters: [Dimension, string][], rows: { at: string; spans: Span[] }, p: Bind): string {
  const quote = (c: string): string => (c === 'user' && d === 'postgres' ? '"user"' : c);
  // One conjunction per span, each with every filter: so each span is its own index range (a team's
  // calls through calls_team_started), where a filter outside the OR would make SQLite read the team's
  // every call through the index instead.
  const arms = rows.spans.map(([from, to]) => {
    const conds: string[] = [];
    if (from !== undefined) conds.push(`started_at >= ${p(from)}`);
    if (to !== undefined) conds.push(`started_at < ${p(to)}`);
    for (const [dim, v] of filters) if (dim !== 'org' && dim !== 'tag') conds.push(`${quote(CALL_COLUMN[dim]!)} = ${p(v)}`);
    return conds.join(' AND ');
  });
  const where = arms.length > 1 ? `(${arms.map((a) => `(${a})`).join(' OR ')})` : arms[0] ?? '';
  const measures = callMeasures().map((m, i) => `${m} AS ${MEASURES[i]}`);
  const plainDims = dims.filter((dim) => dim !== 'tag');
  const select = [`${rows.at} AS at`, ...plainDims.map((dim) => `coalesce(${quote(CALL_COLUMN[dim]!)}, '') AS d_${dim}`), ...measures];
  const calls = `SELECT ${select.join(', ')}${dims.includes('tag') || filters.some(([dim]) => dim === 'tag') ? ', tags' : ''} FROM calls${where ? ` WHERE ${where}` : ''}`;
  const tagFilter = filters.find(([dim]) => dim === 'tag');
  if (!dims.includes('tag') && !tagFilter) return calls;
  // Split tags: one row per (call, tag), then keep the filtered tag and/or expose it as d_tag.
  const cols = ['at', ...plainDims.map((dim) => `d_${dim}`), ...MEASURES];
  const split = callTagsSql(d, calls, cols);
  const outer = ['at', ...dims.map((dim) => (dim === 'tag' ? 'tag AS d_tag' : `d_${dim}`)), ...MEASURES];
  return `SELECT ${outer.join(', ')} FROM (${split}) tagged${tagFilter ? ` WHERE tag = ${p(tagFilter[1])}` : ''}`;
}
