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

/** The furthest a JavaScript Date reaches from 1970, in ms: times beyond it cannot be shown. */
export const MAX_TIME_MS = 8.64e15;

/** "30d", "12h", an ISO date/time, or epoch milliseconds -> epoch ms; undefined when empty. */
export function parseTime(v: string | null | undefined, now: number): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const bad = (): RangeError => new RangeError(`not a time: "${v.slice(0, 40)}" (use 30d, 12h, an ISO date, or epoch ms)`);
  const rel = RELATIVE.exec(v);
  let t: number;
  if (rel) t = now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  else if (/^\d{10,}$/.test(v)) t = Number(v);
  // A bare short number is neither epoch ms nor a date (a four-digit year is: ISO "2026").
  else if (/^\d+$/.test(v) && v.length !== 4) throw bad();
  else t = Date.parse(v);
  if (!Number.isFinite(t) || Math.abs(t) > MAX_TIME_MS) throw bad();
  return t;
}

/** `from` and `to` of a report, both optional, `from` before `to` when both are given. */
export function parseWindow(from: string | null | undefined, to: string | null | undefined, now: number): { from: number | undefined; to: number | undefined } {
  const w = { from: parseTime(from, now), to: parseTime(to, now) };
  if (w.from !== undefined && w.to !== undefined && w.from >= w.to) throw new RangeError('from must be before to');
  return w;
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
