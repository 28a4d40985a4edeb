/** Spend by one attribution dimension, as the admin API and the CLI present it. */
import { nanosToUsd } from '../pricing/money.js';
import { SPEND_GROUPS, type SpendGroup, type SpendQuery, type Store } from '../storage/types.js';

export interface SpendReportRow {
  group: string | null;
  calls: number;
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  cost_nanos: number;
}

export function isSpendGroup(v: string): v is SpendGroup {
  return (SPEND_GROUPS as readonly string[]).includes(v);
}

const RELATIVE = /^(\d+)([mhdw])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "30d", "12h", an ISO date/time, or epoch milliseconds -> epoch ms; undefined when empty. */
export function parseTime(v: string | null | undefined, now: number): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const rel = RELATIVE.exec(v);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  if (/^\d{10,}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new RangeError(`not a time: "${v}" (use 30d, 12h, an ISO date, or epoch ms)`);
  return t;
}

export async function spendReport(store: Pick<Store, 'spend'>, q: SpendQuery): Promise<SpendReportRow[]> {
  const rows = await store.spend(q);
  return rows.map((r) => ({
    group: r.group,
    calls: r.calls,
    input_tokens: r.inputTokens,
    cached_input_tokens: r.cachedInputTokens,
    cache_write_tokens: r.cacheWriteTokens,
    output_tokens: r.outputTokens,
    reasoning_tokens: r.reasoningTokens,
    cost_usd: nanosToUsd(r.costNanos),
    cost_nanos: r.costNanos,
  }));
}
