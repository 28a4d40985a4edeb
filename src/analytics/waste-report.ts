/**
 * The waste report: spend that bought nothing or could have been cheaper, per team and agent, by
 * category. Each call lands in at most one category, the first that applies, so nothing is counted
 * twice and `total_usd` (the sum of what was avoidable) is a plain sum:
 *
 *   guard_stopped    any call of a run the guard refused (run_terminated / run_paused) in the window.
 *                    avoidable = its cost (the guard judged the run a loop). would_have_cost = the run's
 *                    cost + its refused calls x the run's mean cost per call that got through: each
 *                    refusal is a call the loop would have made unguarded (a lower bound: loops stop
 *                    retrying after a 403).
 *   retried          a fallback attempt (attemptOf), or a call repeating (same requestHash, same team) a
 *                    failed call of less than `retry_window_minutes` ago. avoidable = its cost if it
 *                    failed too; a successful retry is the answer, so 0.
 *   failed           an errored or aborted call that still cost money. avoidable = its cost.
 *   duplicate        a successful call a cache with a `duplicate_window_minutes` TTL would have served:
 *                    its requestHash equals the team's last paid successful call of that hash, made less
 *                    than the window ago (cache hits and duplicates do not renew the entry, as a cache
 *                    would not). avoidable = its cost.
 *   oversized_model  a successful call to a model of an expensive tier that fits `waste.oversized`
 *                    (prompt, output, no reasoning). avoidable = its cost - the same tokens at the cheap
 *                    model's price (only when positive).
 */
import { nanosToUsd } from '../pricing/money.js';
import { costOf, ratesForTier, type ModelRates } from '../pricing/price-book.js';
import type { CallRow, Store } from '../storage/types.js';
import { forgetOlder, promptTokensOf, scanCalls } from './call-scan.js';
import type { WasteConfig } from './value-config.js';
import { rowUsage } from './row-usage.js';

export const WASTE_CATEGORIES = ['guard_stopped', 'duplicate', 'failed', 'retried', 'oversized_model'] as const;
export type WasteCategory = (typeof WASTE_CATEGORIES)[number];

/** The guard's refusals that mark a run as stopped (codes from src/errors.ts). */
export const GUARD_STOP_CODES = ['run_terminated', 'run_paused'];

export interface WasteQuery {
  from: number;
  to: number;
  /** Only this team (a team key asking). */
  team?: string;
  config: WasteConfig;
  /** Tier of every configured model. */
  tiers: ReadonlyMap<string, number>;
  /** Rates of `config.oversized.cheap_model`; null turns the oversized rule off. */
  cheapRates: ModelRates | null;
  /** Calls per page of the scan (tests use tiny pages to cross page boundaries). */
  pageSize?: number;
}

interface Bucket {
  calls: number;
  costNanos: number;
  avoidableNanos: number;
  wouldHaveNanos: number;
}

export interface WasteRow {
  category: WasteCategory;
  calls: number;
  cost_usd: number;
  avoidable_usd: number;
  /** Only for guard_stopped. */
  would_have_cost_usd?: number;
}

export interface WasteReport {
  from: string;
  to: string;
  total_usd: number;
  by_category: WasteRow[];
  data: (WasteRow & { team: string; agent: string | null })[];
}

/** Per run, per (team, agent) slice of a stopped run: what was spent and how many calls were refused. */
interface RunSlice {
  team: string;
  agent: string | null;
  calls: number;
  costNanos: number;
  refused: number;
}

const MINUTE = 60_000;

export async function wasteReport(store: Store, q: WasteQuery): Promise<WasteReport> {
  const dupMs = q.config.duplicate_window_minutes * MINUTE;
  const retryMs = q.config.retry_window_minutes * MINUTE;
  // A run is its team's: another team's run of the same id is another run (the guard's state is per team too).
  const stopped = new Set<string>();
  for await (const page of scanCalls(store, { from: q.from, to: q.to, team: q.team, errorCodes: GUARD_STOP_CODES, features: false }, q.pageSize)) {
    for (const c of page) if (c.run !== null) stopped.add(runKey(c));
  }
  const isOversized = oversizedRule(q);
  // The store skips the calls no rule can apply to (most of a ledger without request hashes).
  const wasteCandidates = { stopCodes: GUARD_STOP_CODES, models: oversizedModels(q) };
  const buckets = new Map<string, Bucket>();
  const runs = new Map<string, Map<string, RunSlice>>();
  // Cache entries (team + hash -> when the paid original was made) and the last failure of a request.
  const entries = new Map<string, number>();
  const failures = new Map<string, number>();
  // Calls just before the window can make those inside it duplicates or retries.
  const lookBack = Math.max(dupMs, retryMs);
  for await (const page of scanCalls(store, { from: q.from - lookBack, to: q.to, team: q.team, wasteCandidates, features: false }, q.pageSize)) {
    for (const c of page) {
      const key = c.requestHash === null ? null : `${c.team}\u0000${c.requestHash}`;
      let retry = c.attemptOf !== null;
      let duplicate = false;
      if (key !== null && c.attemptOf === null) {
        const failedAt = failures.get(key);
        if (failedAt !== undefined && c.startedAt - failedAt < retryMs) retry = true;
        if (c.status === 'ok') {
          failures.delete(key);
          const cachedAt = entries.get(key);
          if (cachedAt !== undefined && c.startedAt - cachedAt < dupMs) duplicate = !c.cacheHit;
          else if (!c.cacheHit) entries.set(key, c.startedAt);
        } else {
          failures.set(key, c.startedAt);
        }
      }
      if (c.startedAt < q.from) continue;
      if (c.run !== null && stopped.has(runKey(c))) {
        noteStoppedRun(runs, c);
        continue;
      }
      let category: WasteCategory | null = null;
      let avoidable = c.costNanos;
      if (retry) {
        category = 'retried';
        if (c.status === 'ok') avoidable = 0;
      } else if (c.status !== 'ok' && c.costNanos > 0) category = 'failed';
      else if (duplicate) category = 'duplicate';
      else {
        const saved = isOversized(c);
        if (saved > 0) {
          category = 'oversized_model';
          avoidable = saved;
        }
      }
      if (category) add(buckets, c.team, c.agent, category, { calls: 1, costNanos: c.costNanos, avoidableNanos: avoidable, wouldHaveNanos: 0 });
    }
    const last = page[page.length - 1]!.startedAt;
    forgetOlder(entries, last, dupMs);
    forgetOlder(failures, last, retryMs);
  }
  for (const slices of runs.values()) addStoppedRun(buckets, [...slices.values()]);
  return present(q, buckets);
}

const runKey = (c: CallRow): string => `${c.team}\u0000${c.run!}`;

function noteStoppedRun(runs: Map<string, Map<string, RunSlice>>, c: CallRow): void {
  const slices = runs.get(runKey(c)) ?? new Map<string, RunSlice>();
  runs.set(runKey(c), slices);
  const k = `${c.team}\u0000${c.agent ?? ''}`;
  const s = slices.get(k) ?? { team: c.team, agent: c.agent, calls: 0, costNanos: 0, refused: 0 };
  slices.set(k, s);
  s.calls += 1;
  s.costNanos += c.costNanos;
  if (c.errorCode !== null && GUARD_STOP_CODES.includes(c.errorCode)) s.refused += 1;
}

/** A stopped run's slices, with what the refused calls would have cost at the run's mean per call. */
function addStoppedRun(buckets: Map<string, Bucket>, slices: RunSlice[]): void {
  const cost = slices.reduce((s, x) => s + x.costNanos, 0);
  const through = slices.reduce((s, x) => s + x.calls - x.refused, 0);
  for (const s of slices) {
    const extra = through > 0 ? Math.round((s.refused * cost) / through) : 0;
    add(buckets, s.team, s.agent, 'guard_stopped', { calls: s.calls, costNanos: s.costNanos, avoidableNanos: s.costNanos, wouldHaveNanos: s.costNanos + extra });
  }
}

/** The models the oversized rule applies to: the expensive tiers, the cheap model aside (none when off). */
function oversizedModels(q: WasteQuery): string[] {
  const o = q.config.oversized;
  if (!o || !q.cheapRates) return [];
  const minTier = o.min_tier ?? (q.tiers.get(o.cheap_model) ?? 0) + 1;
  return [...q.tiers].filter(([model, tier]) => tier >= minTier && model !== o.cheap_model).map(([model]) => model);
}

/** The oversized rule as a function: nanos avoidable by the cheap model, or 0 when the rule does not apply. */
function oversizedRule(q: WasteQuery): (c: CallRow) => number {
  const o = q.config.oversized;
  const rates = q.cheapRates;
  if (!o || !rates) return () => 0;
  const expensive = new Set(oversizedModels(q));
  return (c) => {
    if (c.status !== 'ok' || c.cacheHit || c.servedModel === null || !expensive.has(c.servedModel)) return 0;
    if (promptTokensOf(c) > o.max_input_tokens || c.outputTokens + c.reasoningTokens > o.max_output_tokens) return 0;
    if (o.no_reasoning && c.reasoningTokens > 0) return 0;
    // At the tier that served the call (a priority call moved to the cheap model is still a priority call).
    const cheap = costOf(ratesForTier(rates, c.serviceTier), rowUsage(c));
    return Math.max(0, c.costNanos - cheap);
  };
}

function add(buckets: Map<string, Bucket>, team: string, agent: string | null, category: WasteCategory, b: Bucket): void {
  const k = JSON.stringify([team, agent, category]);
  const cur = buckets.get(k);
  if (!cur) return void buckets.set(k, { ...b });
  cur.calls += b.calls;
  cur.costNanos += b.costNanos;
  cur.avoidableNanos += b.avoidableNanos;
  cur.wouldHaveNanos += b.wouldHaveNanos;
}

function row(category: WasteCategory, b: Bucket): WasteRow {
  const r: WasteRow = { category, calls: b.calls, cost_usd: nanosToUsd(b.costNanos), avoidable_usd: nanosToUsd(b.avoidableNanos) };
  if (category === 'guard_stopped') r.would_have_cost_usd = nanosToUsd(b.wouldHaveNanos);
  return r;
}

function present(q: WasteQuery, buckets: Map<string, Bucket>): WasteReport {
  const totals = new Map<WasteCategory, Bucket>(WASTE_CATEGORIES.map((c) => [c, { calls: 0, costNanos: 0, avoidableNanos: 0, wouldHaveNanos: 0 }]));
  const data: WasteReport['data'] = [];
  const sorted = [...buckets.entries()]
    .map(([k, b]) => ({ key: JSON.parse(k) as [string, string | null, WasteCategory], b }))
    .sort((x, y) => y.b.avoidableNanos - x.b.avoidableNanos || cmp(x.key[0], y.key[0]) || cmp(x.key[1], y.key[1]) || WASTE_CATEGORIES.indexOf(x.key[2]) - WASTE_CATEGORIES.indexOf(y.key[2]));
  for (const { key, b } of sorted) {
    const [team, agent, category] = key;
    const t = totals.get(category)!;
    t.calls += b.calls;
    t.costNanos += b.costNanos;
    t.avoidableNanos += b.avoidableNanos;
    t.wouldHaveNanos += b.wouldHaveNanos;
    data.push({ team, agent, ...row(category, b) });
  }
  const total = [...totals.values()].reduce((s, b) => s + b.avoidableNanos, 0);
  return {
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    total_usd: nanosToUsd(total),
    by_category: WASTE_CATEGORIES.map((c) => row(c, totals.get(c)!)),
    data,
  };
}

/** null first, then code-unit order (stable across backends). */
function cmp(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
