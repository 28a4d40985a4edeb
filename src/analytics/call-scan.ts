/**
 * The ledger of a window, oldest first, one keyset page at a time: reports that need per-call detail
 * (the waste report) walk it without holding it, the same way on SQLite and Postgres.
 */
import type { CallRow, CallScan, Store } from '../storage/types.js';

const PAGE = 5_000;

export async function* scanCalls(store: Store, q: Omit<CallScan, 'after' | 'limit'>, pageSize = PAGE): AsyncGenerator<CallRow[]> {
  let after: CallScan['after'];
  for (;;) {
    const page = await store.scanCalls({ ...q, after, limit: pageSize });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    const last = page[page.length - 1]!;
    after = { startedAt: last.startedAt, id: last.id };
  }
}

/** Everything the prompt side of a call held (uncached, cached, cache writes). */
export function promptTokensOf(c: CallRow): number {
  return c.inputTokens + c.cachedInputTokens + c.cacheWrite5mTokens + c.cacheWrite1hTokens;
}

/** Drop map entries last seen `windowMs` or more before `now` (the scan is in time order). */
export function forgetOlder(map: Map<string, number>, now: number, windowMs: number): void {
  for (const [k, t] of map) if (now - t >= windowMs) map.delete(k);
}

const DAY = 86_400_000;

/** The window of a scanning report: `to` defaults to now, `from` to 30 days before `to`; from < to. */
export function reportWindow(from: number | undefined, to: number | undefined, now: number): { from: number; to: number } {
  const end = to ?? now;
  const start = from ?? end - 30 * DAY;
  if (start >= end) throw new RangeError('from must be before to');
  return { from: start, to: end };
}
