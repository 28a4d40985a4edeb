/**
 * Spend of one budget scope per time bucket, every bucket of [from, to) present (zero when idle): the
 * history forecasts and pacing read. Served from the rollups (run scopes from the ledger's run index).
 */
import type { Store } from '../storage/types.js';
import type { TimeBucket } from './query.js';
import { dayBucket, DAY_MS, utcOffset } from './time-buckets.js';

export type ScopeMatch = Partial<Record<'team' | 'user' | 'project' | 'key' | 'tag' | 'run', string>>;

export interface SpendSeriesQuery {
  match: ScopeMatch;
  /** Inclusive start, exclusive end, epoch ms. */
  from: number;
  to: number;
  bucket: TimeBucket;
  /** IANA zone of day/week/month buckets (default UTC). */
  timezone?: string;
}

export interface SpendPoint {
  bucketStart: number;
  costNanos: number;
  /** Every token class summed, as budgets count them. */
  tokens: number;
}

export async function spendSeries(store: Store, q: SpendSeriesQuery): Promise<SpendPoint[]> {
  const tz = q.timezone ?? 'UTC';
  const rows = await store.analytics({ groupBy: [], bucket: q.bucket, filters: q.match, from: q.from, to: q.to, timezone: tz });
  const byStart = new Map<number, SpendPoint>();
  for (const r of rows) {
    byStart.set(r.bucketStart!, {
      bucketStart: r.bucketStart!,
      costNanos: r.costNanos,
      tokens: r.inputTokens + r.cachedInputTokens + r.cacheWriteTokens + r.outputTokens + r.reasoningTokens,
    });
  }
  return bucketStarts(q.bucket, tz, q.from, q.to).map((t) => byStart.get(t) ?? { bucketStart: t, costNanos: 0, tokens: 0 });
}

/** Starts of every bucket overlapping [from, to), in order. */
export function bucketStarts(bucket: TimeBucket, tz: string, from: number, to: number): number[] {
  const out: number[] = [];
  if (bucket === 'hour') {
    for (let t = Math.floor(from / 3_600_000) * 3_600_000; t < to; t += 3_600_000) out.push(t);
    return out;
  }
  const localDay = (t: number): number => Math.floor((t + utcOffset(tz, t)) / DAY_MS);
  let last: number | null = null;
  for (let day = localDay(from); day <= localDay(to - 1); day++) {
    const start = dayBucket(bucket, day, tz).start;
    if (start !== last) out.push(start);
    last = start;
  }
  return out;
}
