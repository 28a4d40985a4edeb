/**
 * The analytics query model: what to group by, which time bucket, which filters. A pure description;
 * query-sql.ts turns it into SQL for either backend, and every Store answers it with `analytics(q)`.
 */

/** Attribution dimensions a report may group or filter by. */
export const DIMENSIONS = ['org', 'team', 'user', 'project', 'key', 'model', 'provider', 'agent', 'run', 'tag'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Time buckets: hours are UTC; days, weeks (starting Monday) and months are in the query's time zone. */
export const TIME_BUCKETS = ['hour', 'day', 'week', 'month'] as const;
export type TimeBucket = (typeof TIME_BUCKETS)[number];

export interface AnalyticsQuery {
  /** Dimensions to group by, in output order; empty means one total row (per time bucket). */
  groupBy: Dimension[];
  bucket?: TimeBucket;
  /**
   * Equality filters; `tag` matches a call carrying that tag among its tags. Grouping by tag counts a call
   * once under each of its tags (untagged calls under null); with a tag filter, under that tag only.
   */
  filters?: Partial<Record<Dimension, string>>;
  /** Inclusive lower / exclusive upper bound on a call's start, epoch ms. Any millisecond is exact. */
  from?: number;
  to?: number;
  /** IANA zone of day/week/month buckets (default UTC). */
  timezone?: string;
  /** The organisation every call belongs to (config `org`): the value of the `org` dimension. */
  org?: string;
}

export interface AnalyticsRow {
  /** Values of the grouped dimensions (null: the call had none). */
  group: Partial<Record<Dimension, string | null>>;
  /** Start of the time bucket (epoch ms, UTC instant) and its label; null without a bucket. */
  bucketStart: number | null;
  bucket: string | null;
  calls: number;
  /** Calls whose status is 'error'. */
  errors: number;
  errorRate: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costNanos: number;
  /** endedAt - startedAt: mean, and p50/p95 read from the fixed histogram (an upper bound, capped at the max). */
  latencyMeanMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyMaxMs: number;
  /** Calls per latency bucket (bounds in storage/rollups.ts LATENCY_BOUNDS_MS, then the rest). */
  latencyHistogram: number[];
}

export function isDimension(v: string): v is Dimension {
  return (DIMENSIONS as readonly string[]).includes(v);
}

export function isTimeBucket(v: string): v is TimeBucket {
  return (TIME_BUCKETS as readonly string[]).includes(v);
}
