/**
 * Budgets and rate limits in replay: the same planning (policy/limits.ts), clamp and downgrade rules
 * as pipeline/reserve.ts, on the in-process counter store driven by the simulated clock. Leases never
 * expire here (the live gateway renews them while a call is in flight).
 * Pacing (policy/pacing.ts) as the Limiter applies it: a paced budget's day counter gets today's
 * allowance from the spend before today (read once per day counter, at its first call of the day on
 * the simulated clock), and a spent allowance blocks or downgrades like live.
 */
import { actualFor, clampOutput, downgradeTarget, type PlannedLimit } from '../../policy/limits.js';
import { pacingDowngrade, resolvePace } from '../../policy/pacing.js';
import { worstCaseNanos } from '../../pricing/price-book.js';
import type { CounterState } from '../../storage/counter-types.js';
import { MemoryCounterStore } from '../../storage/memory/counter-store.js';
import { derivedPromptBound, type ReplayInput } from './call-input.js';
import { PlanCache } from '../../policy/plan-cache.js';
import type { ReplayPolicy } from './policy.js';

const NEVER_MS = 1e15;

export type Reserved =
  | { ok: true; limits: PlannedLimit[]; target: string; downgradedBy: string | null; pacedDowngrade: boolean; clampedTo: number | null; outputCap: number }
  | { ok: false; limit: PlannedLimit; rate: boolean };

const digits = (n: number): number => String(n).length;

export class BudgetStep {
  private readonly counters = new MemoryCounterStore();
  /** The last state seen of each counter (route rules on budget utilisation, like the Limiter's). */
  private readonly seen = new Map<string, { used: number; reserved: number; limit: number }>();

  /** Per paced day counter: the period's spend before that day (the Limiter's paceBase). */
  private readonly paceBase = new Map<string, number>();
  private readonly plans: PlanCache;
  private readonly actual = { costNanos: 0, tokens: 0 };
  /** The counters' states before an acquire, refilled by each (read within reserve, kept by nothing). */
  private readonly before: CounterState[] = [];
  /** Limits of ended calls (`release`), refilled for the next calls' plans: no limit objects per call. */
  private readonly spare: PlannedLimit[][] = [];

  constructor(private readonly p: ReplayPolicy) {
    this.plans = new PlanCache(p);
  }

  /** Today's allowance on each paced day counter, as Limiter.acquire resolves it before acquiring. */
  private resolvePaces(limits: readonly PlannedLimit[], now: number): void {
    for (const l of limits) {
      if (!l.pace) continue;
      let base = this.paceBase.get(l.key);
      if (base === undefined) {
        base = Math.max(0, this.counters.readNow(l.pace.periodCounterKey, now).used - this.counters.readNow(l.key, now).used);
        if (this.paceBase.size > 50_000) this.paceBase.clear();
        this.paceBase.set(l.key, base);
      }
      resolvePace(l, base);
    }
  }

  private plan(x: ReplayInput, now: number, worstNanos: number, worstTokens: number, rateLimits: boolean, into?: PlannedLimit[]): PlannedLimit[] {
    return this.plans.limitsFor(x.row, x.unlimited, rateLimits, now, worstNanos, worstTokens, into);
  }

  /** A served call's limits, once it has ended and nothing reads them any more (engine.end). */
  release(limits: PlannedLimit[]): void {
    if (limits.length > 0 && this.spare.length < 1_024) this.spare.push(limits);
  }

  /** Utilisation (%) of the fullest budget of the call as last seen, for `budget_used_pct` route rules. */
  usedPct(x: ReplayInput, now: number): number | null {
    let max: number | null = null;
    for (const l of this.plan(x, now, 0, 0, false)) {
      if (l.kind !== 'budget_usd') continue;
      const s = this.seen.get(l.key);
      if (!s || s.limit <= 0) continue;
      const pct = ((s.used + s.reserved) * 100) / s.limit;
      if (max === null || pct > max) max = pct;
    }
    return max;
  }

  private worst(targets: readonly string[], promptBound: number, maxOut: number): { total: number; input: number; outputPerToken: number } {
    let worst: { total: number; input: number; outputPerToken: number } | null = null;
    for (const name of targets) {
      const rates = this.p.rates.get(name);
      if (!rates) continue;
      // The ledger keeps no request's service_tier: reserved as for a request naming none (every priced tier).
      const wc = worstCaseNanos(rates, promptBound, maxOut);
      if (!worst || wc.total > worst.total) worst = wc;
    }
    return worst ?? { total: 0, input: 0, outputPerToken: 0 };
  }

  private remember(limits: readonly PlannedLimit[], states: readonly CounterState[]): void {
    if (!this.p.routesNeedBudget) return; // only route rules on utilisation read it
    limits.forEach((l, i) => this.seen.set(l.key, { used: states[i]!.used, reserved: states[i]!.reserved, limit: l.limit }));
  }

  /** The prompt bound the downgrade check prices the cheaper model at (the call's, without its tools' and images' share). */
  private cheaperPrompt(x: ReplayInput, promptBound: number): number {
    return promptBound - (x.tools ? 1_000 : 0) - (x.images ? 3_000 : 0);
  }

  reserve(callId: string, x: ReplayInput, targets: readonly string[], now: number): Reserved {
    const embeddings = x.row.endpoint === 'embeddings';
    const n = x.choices;
    const maxOut = embeddings ? 0 : (x.outputBound ?? this.p.maxTokens * n);
    let promptBound = derivedPromptBound(x, this.p.maxTokens);
    let wc = this.worst(targets, promptBound, maxOut);
    let limits = this.plan(x, now, wc.total, promptBound + maxOut, true, this.spare.pop());
    const target = targets[0]!;
    if (limits.length === 0) return { ok: true, limits, target, downgradedBy: null, pacedDowngrade: false, clampedTo: null, outputCap: maxOut };
    this.resolvePaces(limits, now);
    let res = this.counters.acquireInto({ callId, items: limits, leaseMs: NEVER_MS, now }, this.before);
    this.remember(limits, res.before);
    let clampedTo: number | null = null;
    if (!res.ok) {
      const failed = limits[res.index]!;
      if (failed.kind === 'rpm' || failed.kind === 'tpm' || failed.kind === 'concurrent') return { ok: false, limit: failed, rate: true };
      // As live: a budget past its downgrade threshold reserves (and serves) the cheaper model's worst
      // case when the requested model's does not fit.
      const budgetDg = failed.kind !== 'budget_tokens' && targets.length <= 1 ? downgradeTarget(limits, res.before) : null;
      const dg = budgetDg ?? (failed.kind !== 'budget_tokens' && targets.length <= 1 ? pacingDowngrade(limits, res.before) : null);
      const rates = dg && dg.model !== target ? this.p.rates.get(dg.model) : undefined;
      if (dg && rates) {
        const cheaperWorst = worstCaseNanos(rates, this.cheaperPrompt(x, promptBound), maxOut).total;
        if (cheaperWorst < wc.total) {
          const down = limits.map((l) => (l.kind === 'budget_usd' || l.kind === 'budget_pace' ? { ...l, amount: cheaperWorst } : l));
          this.resolvePaces(down, now);
          const downRes = this.counters.acquireInto({ callId, items: down, leaseMs: NEVER_MS, now }, []);
          this.remember(down, downRes.before);
          if (downRes.ok) return { ok: true, limits: down, target: dg.model, downgradedBy: dg.budget.id, pacedDowngrade: budgetDg === null, clampedTo: null, outputCap: maxOut };
        }
      }
      const clamped =
        !embeddings
          ? clampOutput({ limits, before: res.before, inputWorstNanos: wc.input, outputNanosPerToken: wc.outputPerToken, promptTokens: promptBound, minTokens: this.p.minClampTokens, requested: maxOut })
          : null;
      if (clamped === null) return { ok: false, limit: failed, rate: false };
      const perChoice = Math.floor(clamped / n);
      if (perChoice < this.p.minClampTokens) return { ok: false, limit: failed, rate: false };
      // The body now carries the clamped bound instead of the old one.
      promptBound += digits(perChoice) - digits(Math.floor(maxOut / n));
      wc = this.worst(targets, promptBound, perChoice * n);
      const tokens = promptBound + perChoice * n;
      limits = limits.map((l) => ({ ...l, amount: l.kind === 'budget_usd' || l.kind === 'budget_pace' ? wc.total : l.kind === 'budget_tokens' || l.kind === 'tpm' ? tokens : l.amount }));
      this.resolvePaces(limits, now);
      res = this.counters.acquireInto({ callId, items: limits, leaseMs: NEVER_MS, now }, this.before);
      this.remember(limits, res.before);
      if (!res.ok) return { ok: false, limit: limits[res.index]!, rate: false };
      clampedTo = perChoice;
    }
    const outputCap = clampedTo !== null ? clampedTo * n : maxOut;
    let served = target;
    let downgradedBy: string | null = null;
    let pacedDowngrade = false;
    const budgetDg = downgradeTarget(limits, res.before);
    const dg = budgetDg ?? pacingDowngrade(limits, res.before);
    if (dg && dg.model !== target && targets.length <= 1 && this.p.rates.has(dg.model)) {
      const rates = this.p.rates.get(dg.model);
      const cheaperWorst = rates ? worstCaseNanos(rates, this.cheaperPrompt(x, promptBound), outputCap).total : Infinity;
      if (cheaperWorst <= wc.total) {
        served = dg.model;
        downgradedBy = dg.budget.id;
        pacedDowngrade = budgetDg === null;
      }
    }
    return { ok: true, limits, target: served, downgradedBy, pacedDowngrade, clampedTo, outputCap };
  }

  /** The call's cost and tokens counted on its limits (one object refilled per call for actualFor). */
  settle(callId: string, limits: PlannedLimit[], costNanos: number, tokens: number, now: number): void {
    const actual = this.actual;
    actual.costNanos = costNanos;
    actual.tokens = tokens;
    if (!this.p.routesNeedBudget) {
      for (const l of limits) this.counters.settleNow(callId, l.key, actualFor(l, actual), l.ttlSeconds, now);
      return;
    }
    for (const l of limits) {
      const state = this.counters.commitNow(callId, { key: l.key, actual: actualFor(l, actual), ttlSeconds: l.ttlSeconds }, now);
      this.seen.set(l.key, { used: state.used, reserved: state.reserved, limit: l.limit });
    }
  }
}

