/**
 * An analytics report as the admin API and the CLI take it in and give it out: `group_by=team,day` (or
 * `group_by=team&bucket=day`), one equality filter per dimension (`team=`, `model=`, `tag=`...), `from`
 * and `to`; rows in snake_case with the grouped values under their dimension's (and bucket's) name.
 * The single-dimension form of the old spend report (`group_by=team`) gives the same fields as before.
 */
import { nanosToUsd } from '../pricing/money.js';
import type { Store } from '../storage/types.js';
import { DIMENSIONS, isDimension, isTimeBucket, TIME_BUCKETS, type AnalyticsQuery, type AnalyticsRow, type Dimension, type TimeBucket } from './query.js';
import { parseWindow } from './spend-report.js';

export interface ReportInput {
  /** Comma-separated dimensions and at most one time bucket. */
  groupBy?: string | undefined;
  bucket?: string | undefined;
  filters: Partial<Record<Dimension, string>>;
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * Validate a report request into a query; RangeError with a readable message on bad input, naming the
 * grouping and the bucket as the caller spells them (`group_by`, `bucket` in the API, `--by`, `--bucket` in the CLI).
 */
export function analyticsQuery(
  input: ReportInput,
  ctx: { now: number; timezone: string; org: string; team?: string | undefined; groupByName?: string; bucketName?: string },
): AnalyticsQuery {
  const groupBy: Dimension[] = [];
  let bucket: TimeBucket | undefined;
  const names = (input.groupBy ?? 'team').split(',').map((s) => s.trim()).filter(Boolean);
  if (input.bucket && !isTimeBucket(input.bucket)) throw new RangeError(`${ctx.bucketName ?? 'bucket'} must be one of ${TIME_BUCKETS.join(', ')}, not "${input.bucket}"`);
  if (input.bucket) names.push(input.bucket);
  for (const name of names) {
    if (isDimension(name)) {
      if (!groupBy.includes(name)) groupBy.push(name);
    } else if (isTimeBucket(name)) {
      if (bucket !== undefined && bucket !== name) throw new RangeError('group by at most one time bucket');
      bucket = name;
    } else {
      throw new RangeError(`${ctx.groupByName ?? 'group_by'} must list dimensions (${DIMENSIONS.join(', ')}) and at most one bucket (${TIME_BUCKETS.join(', ')}), not "${name}"`);
    }
  }
  const filters = { ...input.filters };
  for (const [dim, v] of Object.entries(filters)) {
    if (!isDimension(dim)) throw new RangeError(`cannot filter by "${dim}"`);
    if (v === '') throw new RangeError(`filter ${dim} is empty`);
  }
  // A team's own key reads its own team, whatever it asks for.
  if (ctx.team !== undefined) filters.team = ctx.team;
  return { groupBy, bucket, filters, ...parseWindow(input.from, input.to, ctx.now), timezone: ctx.timezone, org: ctx.org };
}

export type ReportRow = Record<string, string | number | null>;

/** Rows as JSON: grouped values by name, `group` (the single grouping's value, as the old report had). */
export function reportRows(q: AnalyticsQuery, rows: AnalyticsRow[]): ReportRow[] {
  return rows.map((r) => {
    const out: ReportRow = {};
    for (const dim of q.groupBy) out[dim] = r.group[dim] ?? null;
    if (q.bucket) {
      out[q.bucket] = r.bucket;
      out['bucket_start'] = r.bucketStart === null ? null : new Date(r.bucketStart).toISOString();
    }
    const single = q.groupBy.length + (q.bucket ? 1 : 0) === 1;
    if (single) out['group'] = q.bucket ? r.bucket : (r.group[q.groupBy[0]!] ?? null);
    return Object.assign(out, {
      calls: r.calls,
      errors: r.errors,
      error_rate: r.errorRate,
      input_tokens: r.inputTokens,
      cached_input_tokens: r.cachedInputTokens,
      cache_write_tokens: r.cacheWriteTokens,
      output_tokens: r.outputTokens,
      reasoning_tokens: r.reasoningTokens,
      cost_usd: nanosToUsd(r.costNanos),
      cost_nanos: r.costNanos,
      latency_mean_ms: Math.round(r.latencyMeanMs * 10) / 10,
      latency_p50_ms: r.latencyP50Ms,
      latency_p95_ms: r.latencyP95Ms,
    });
  });
}

export async function analyticsReport(store: Store, q: AnalyticsQuery): Promise<{ query: Record<string, unknown>; data: ReportRow[] }> {
  const rows = await store.analytics(q);
  return {
    query: {
      group_by: [...q.groupBy, ...(q.bucket ? [q.bucket] : [])].join(','),
      bucket: q.bucket ?? null,
      timezone: q.timezone ?? 'UTC',
      filters: q.filters ?? {},
      from: q.from === undefined ? null : new Date(q.from).toISOString(),
      to: q.to === undefined ? null : new Date(q.to).toISOString(),
    },
    data: reportRows(q, rows),
  };
}
