/**
 * Spend over whole past days, cached per day. A dashboard asks for "this month by day" and "the last
 * 7 days by team" on every view; against a million-call ledger each is a scan of most of the table
 * (seconds in SQLite). Past days hardly change, so a range is split into whole UTC days that ended
 * more than SETTLE_MS ago (cached per group-by, team filter and day, for TTL_MS so late rows and
 * imports still show up) plus the live edges (today: a small scan through the started_at index).
 * Sums are integers, so merged results equal one query over the whole range.
 */
import type { SpendQuery, SpendRow, Store } from '../storage/types.js';

const DAY_MS = 86_400_000;
/** A call may still be in flight (and unrecorded) this long after it started. */
const SETTLE_MS = 3_600_000;
const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 20_000;
/** Worth slicing only when at least this many whole days are cacheable. */
const MIN_DAYS = 2;
/** Groupings with few groups per day; per-run or per-key slices would be large and rarely reused. */
const CACHEABLE = new Set(['team', 'project', 'user', 'model', 'provider', 'agent', 'day']);

interface Entry {
  at: number;
  rows: Promise<SpendRow[]>;
}

function add(into: Map<string | null, SpendRow>, rows: SpendRow[]): void {
  for (const r of rows) {
    const s = into.get(r.group);
    if (!s) into.set(r.group, { ...r });
    else {
      s.calls += r.calls;
      s.inputTokens += r.inputTokens;
      s.cachedInputTokens += r.cachedInputTokens;
      s.cacheWriteTokens += r.cacheWriteTokens;
      s.outputTokens += r.outputTokens;
      s.reasoningTokens += r.reasoningTokens;
      s.costNanos += r.costNanos;
    }
  }
}

export class SpendDayCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly store: Store) {}

  async spend(q: SpendQuery, now: number): Promise<SpendRow[]> {
    if (q.from === undefined || !CACHEABLE.has(q.groupBy)) return this.store.spend(q);
    const to = q.to ?? Infinity;
    const first = Math.ceil(q.from / DAY_MS) * DAY_MS;
    const cacheEnd = Math.min(Math.floor((now - SETTLE_MS) / DAY_MS) * DAY_MS, Math.floor(to / DAY_MS) * DAY_MS);
    if (cacheEnd - first < MIN_DAYS * DAY_MS) return this.store.spend(q);
    const parts: Promise<SpendRow[]>[] = [];
    if (q.from < first) parts.push(this.store.spend({ ...q, from: q.from, to: first }));
    for (let d = first; d < cacheEnd; d += DAY_MS) parts.push(this.day(q, d, now));
    if (cacheEnd < to) parts.push(this.store.spend({ ...q, from: cacheEnd, to: q.to }));
    const merged = new Map<string | null, SpendRow>();
    for (const rows of await Promise.all(parts)) add(merged, rows);
    // The store's order: most expensive first, then by group.
    return [...merged.values()].filter((r) => r.calls > 0).sort((a, b) => b.costNanos - a.costNanos || (a.group ?? '').localeCompare(b.group ?? ''));
  }

  private day(q: SpendQuery, start: number, now: number): Promise<SpendRow[]> {
    const key = `${q.groupBy}\u0000${q.team ?? ''}\u0000${start}`;
    const hit = this.entries.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.rows;
    const rows = this.store.spend({ groupBy: q.groupBy, team: q.team, from: start, to: start + DAY_MS });
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.delete(key);
    this.entries.set(key, { at: now, rows });
    // A failed query is not remembered.
    rows.catch(() => {
      if (this.entries.get(key)?.rows === rows) this.entries.delete(key);
    });
    return rows;
  }
}

const caches = new WeakMap<Store, SpendDayCache>();

/** The cache of one store (one per gateway). */
export function spendDayCache(store: Store): SpendDayCache {
  let c = caches.get(store);
  if (!c) caches.set(store, (c = new SpendDayCache(store)));
  return c;
}

/** A `spend` that answers from the day cache: what the admin API's spend report uses. */
export function cachedSpend(store: Store, now: () => number): Pick<Store, 'spend'> {
  const cache = spendDayCache(store);
  return { spend: (q) => cache.spend(q, now()) };
}
