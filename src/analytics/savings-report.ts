/** Savings of routing, downgrades and the cache, by group: what the admin API and `tollgate savings` show. */
import { nanosToUsd } from '../pricing/money.js';
import type { SpendQuery, Store } from '../storage/types.js';

export interface SavingsReport {
  total_saved_usd: number;
  total_saved_nanos: number;
  data: { group: string | null; reason: string; calls: number; cost_usd: number; saved_usd: number; saved_nanos: number }[];
}

export async function savingsReport(store: Pick<Store, 'savings'>, q: SpendQuery): Promise<SavingsReport> {
  const rows = await store.savings(q);
  const total = rows.reduce((s, r) => s + r.savedNanos, 0);
  return {
    total_saved_usd: nanosToUsd(total),
    total_saved_nanos: total,
    data: rows.map((r) => ({ group: r.group, reason: r.reason, calls: r.calls, cost_usd: nanosToUsd(r.costNanos), saved_usd: nanosToUsd(r.savedNanos), saved_nanos: r.savedNanos })),
  };
}
