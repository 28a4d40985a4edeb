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

/**
 * The times a call or an outcome may carry: from 1970 (the ledger's hour and day arithmetic assumes
 * times after the epoch: a call before it would land in the wrong hour) to 2100 (imported history
 * cannot stretch a report over millennia). The gateway records calls at the present.
 */
export const LEDGER_TIME_MIN = 0;
export const LEDGER_TIME_END = Date.UTC(2100, 0, 1);
export const isLedgerTime = (t: number): boolean => Number.isFinite(t) && t >= LEDGER_TIME_MIN && t < LEDGER_TIME_END;

/** ISO 8601 as people write it: a year, a month or a day, optionally a time (a space for the T) and an offset. */
const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/i;

/**
 * "30d", "12h", an ISO date/time, or epoch milliseconds -> epoch ms; undefined when empty. Nothing
 * else: Date.parse would read "foo 5" as May 2001 and roll 2025-02-30 over into March. A time without
 * an offset is UTC, as a bare date is, whatever the machine's timezone.
 */
export function parseTime(v: string | null | undefined, now: number): number | undefined {
  if (v === null || v === undefined) return undefined;
  const bad = (): RangeError => new RangeError(`not a time: "${v.slice(0, 40)}" (use 30d, 12h, an ISO date such as 2026-03-01 or 2026-03-01T09:00Z, or epoch ms)`);
  if (v === '') throw bad();
  const rel = RELATIVE.exec(v);
  let t: number;
  if (rel) t = now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  else if (/^\d{10,}$/.test(v)) t = Number(v);
  else {
    const m = ISO.exec(v);
    if (!m) throw bad();
    const [, y, mo = '01', d = '01', hh, mm, ss, offset] = m;
    t = Date.parse(`${y}-${mo}-${d}T${hh ?? '00'}:${mm ?? '00'}:${ss ?? '00'}${v.match(/\.\d+/)?.[0] ?? ''}${offset ?? 'Z'}`);
    // A day that does not exist (02-30) or a time out of range (24:61) parses to another instant, or none.
    const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d) || Number(hh ?? 0) > 23 || Number(mm ?? 0) > 59 || Number(ss ?? 0) > 59) throw bad();
  }
  if (!Number.isFinite(t) || Math.abs(t) > MAX_TIME_MS) throw bad();
  if (t < LEDGER_TIME_MIN) throw new RangeError(`not a time Tollgate holds: "${v.slice(0, 40)}" is before 1970`);
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
