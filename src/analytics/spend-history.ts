/**
 * Daily spend of a budget's scope: what forecasts are fitted on. `SpendHistory` is the seam.
 * `RollupSpendHistory` (what the gateway uses) reads every day of a window in one query over the
 * rollups (`spendSeries`); `LedgerSpendHistory` sums the ledger one local day at a time with
 * `Store.sumCalls` (one query per day: seconds on a large ledger) and stays as the reference the
 * rollup version is tested against. The rollup one is exact in any zone, midnights on the half hour
 * included (analytics/query-sql.ts reads the hours they cut from the ledger).
 */
import type { Store } from '../storage/types.js';
import { addDays, dayBounds, daysBetween } from './forecast/calendar.js';
import type { DailySpend } from './forecast/budget-forecast.js';
import { spendSeries } from './spend-series.js';

export interface SpendHistory {
  /** Cost per local day of `tz` in [from, to] (YYYY-MM-DD, both inclusive), every day present, oldest first. */
  daily(q: { scope: string; from: string; to: string; timezone: string }): Promise<DailySpend[]>;
}

type Match = Parameters<Store['sumCalls']>[0]['match'];

/** The ledger filter of a concrete budget scope ("org", "team:x", "key:k", "tag:t", ...). */
export function scopeMatch(scope: string): Match {
  if (scope === 'org') return {};
  const i = scope.indexOf(':');
  if (i < 0 || scope.endsWith(':*')) throw new RangeError(`not a concrete budget scope: ${scope}`);
  return { [scope.slice(0, i) as keyof Match]: scope.slice(i + 1) };
}

/** Days the recorder may still be writing to after they end (its flush interval is far shorter). */
const SETTLE_MS = 60_000;
const MAX_REMEMBERED = 200_000;

export class LedgerSpendHistory implements SpendHistory {
  private readonly done = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  async daily(q: { scope: string; from: string; to: string; timezone: string }): Promise<DailySpend[]> {
    const match = scopeMatch(q.scope);
    const n = daysBetween(q.from, q.to) + 1;
    const out: DailySpend[] = [];
    const now = this.now();
    for (let i = 0; i < n; i++) {
      const date = addDays(q.from, i);
      const id = `${q.timezone}|${q.scope}|${date}`;
      let nanos = this.done.get(id);
      if (nanos === undefined) {
        const { start, end } = dayBounds(q.timezone, date);
        nanos = start > now ? 0 : (await this.store.sumCalls({ from: start, to: end, match })).costNanos;
        if (end + SETTLE_MS <= now) {
          if (this.done.size >= MAX_REMEMBERED) this.done.clear();
          this.done.set(id, nanos);
        }
      }
      out.push({ date, nanos });
    }
    return out;
  }
}

/** Every day of a window in one rollup query: the same days and sums as the ledger, without a scan per day. */
export class RollupSpendHistory implements SpendHistory {
  constructor(private readonly store: Store) {}

  async daily(q: { scope: string; from: string; to: string; timezone: string }): Promise<DailySpend[]> {
    const match = scopeMatch(q.scope);
    const n = daysBetween(q.from, q.to) + 1;
    const from = dayBounds(q.timezone, q.from).start;
    const to = dayBounds(q.timezone, q.to).end;
    const points = await spendSeries(this.store, { match, from, to, bucket: 'day', timezone: q.timezone });
    const byStart = new Map(points.map((p) => [p.bucketStart, p.costNanos]));
    const out: DailySpend[] = [];
    for (let i = 0; i < n; i++) {
      const date = addDays(q.from, i);
      out.push({ date, nanos: byStart.get(dayBounds(q.timezone, date).start) ?? 0 });
    }
    return out;
  }
}
