/**
 * Spend (and savings) over whole past days, cached per day. A dashboard asks for "this month by day"
 * and "the last 7 days by team" on every view; against a million-call ledger each is a scan of most
 * of the table (seconds in SQLite). Past days hardly change, so a range is split into whole UTC days
 * that ended more than SETTLE_MS ago (cached per report, group-by, team filter and day, for TTL_MS so
 * late rows and imports still show up) plus the live edges (today: a small scan through the
 * started_at index). Sums are integers, so merged results equal one query over the whole range.
 */
import type { SavingsRow, SpendQuery, SpendRow, Store } from '../storage/types.js';

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
  rows: Promise<unknown[]>;
}

/** How one report is queried, keyed and summed. */
interface Kind<R> {
  name: string;
  query: (q: SpendQuery) => Promise<R[]>;
  key: (r: R) => string;
  /** Adds b into a (a is a copy owned by the merge). */
  add: (a: R, b: R) => void;
  amount: (r: R) => number;
  group: (r: R) => string | null;
}

function addSpend(s: SpendRow, r: SpendRow): void {
  s.calls += r.calls;
  s.inputTokens += r.inputTokens;
  s.cachedInputTokens += r.cachedInputTokens;
  s.cacheWriteTokens += r.cacheWriteTokens;
  s.outputTokens += r.outputTokens;
  s.reasoningTokens += r.reasoningTokens;
  s.costNanos += r.costNanos;
}

function addSavings(s: SavingsRow, r: SavingsRow): void {
  s.calls += r.calls;
  s.costNanos += r.costNanos;
  s.savedNanos += r.savedNanos;
}

export class SpendDayCache {
  private readonly entries = new Map<string, Entry>();
  private readonly spendKind: Kind<SpendRow>;
  private readonly savingsKind: Kind<SavingsRow>;

  constructor(store: Pick<Store, 'spend' | 'savings'>) {
    this.spendKind = { name: 'spend', query: (q) => store.spend(q), key: (r) => String(r.group), add: addSpend, amount: (r) => r.costNanos, group: (r) => r.group };
    this.savingsKind = { name: 'savings', query: (q) => store.savings(q), key: (r) => `${r.group}\u0000${r.reason}`, add: addSavings, amount: (r) => r.savedNanos, group: (r) => r.group };
  }

  spend(q: SpendQuery, now: number): Promise<SpendRow[]> {
    return this.sliced(this.spendKind, q, now);
  }

  savings(q: SpendQuery, now: number): Promise<SavingsRow[]> {
    return this.sliced(this.savingsKind, q, now);
  }

  private async sliced<R>(kind: Kind<R>, q: SpendQuery, now: number): Promise<R[]> {
    if (q.from === undefined || !CACHEABLE.has(q.groupBy)) return kind.query(q);
    const to = q.to ?? Infinity;
    const first = Math.ceil(q.from / DAY_MS) * DAY_MS;
    const cacheEnd = Math.min(Math.floor((now - SETTLE_MS) / DAY_MS) * DAY_MS, Math.floor(to / DAY_MS) * DAY_MS);
    if (cacheEnd - first < MIN_DAYS * DAY_MS) return kind.query(q);
    const parts: Promise<R[]>[] = [];
    if (q.from < first) parts.push(kind.query({ ...q, from: q.from, to: first }));
    for (let d = first; d < cacheEnd; d += DAY_MS) parts.push(this.day(kind, q, d, now));
    if (cacheEnd < to) parts.push(kind.query({ ...q, from: cacheEnd, to: q.to }));
    const merged = new Map<string, R>();
    for (const rows of await Promise.all(parts)) {
      for (const r of rows) {
        const k = kind.key(r);
        const s = merged.get(k);
        if (s) kind.add(s, r);
        else merged.set(k, { ...r });
      }
    }
    // The store's order: the largest amount first, then by group.
    return [...merged.values()].sort((a, b) => kind.amount(b) - kind.amount(a) || (kind.group(a) ?? '').localeCompare(kind.group(b) ?? ''));
  }

  private day<R>(kind: Kind<R>, q: SpendQuery, start: number, now: number): Promise<R[]> {
    const key = `${kind.name}\u0000${q.groupBy}\u0000${q.team ?? ''}\u0000${start}`;
    const hit = this.entries.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.rows as Promise<R[]>;
    const rows = kind.query({ groupBy: q.groupBy, team: q.team, from: start, to: start + DAY_MS });
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

/** `spend` and `savings` answered from the day cache: what the admin API's reports use. */
export function cachedSpend(store: Store, now: () => number): Pick<Store, 'spend' | 'savings'> {
  const cache = spendDayCache(store);
  return { spend: (q) => cache.spend(q, now()), savings: (q) => cache.savings(q, now()) };
}
