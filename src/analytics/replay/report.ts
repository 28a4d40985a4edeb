/**
 * What a replay found, tallied as calls end: spend before (the ledger) and after (replayed), per team
 * and model; blocked calls and when each budget ran out; runs the guard stopped; what routing, the
 * cache and the blocks would have saved; and which policies could not be evaluated for how many calls.
 */
import { actualFor, type PlannedLimit } from '../../policy/limits.js';
import type { CallRow } from '../../storage/types.js';
import type { CallOutcome, Pending } from './engine.js';
import type { GuardStop } from './guard-step.js';
import type { ReplayPolicy } from './policy.js';
import { totalTokens } from './call-input.js';
import { requestedCost } from './repricing.js';

export interface SpendLine {
  group: string;
  calls: number;
  beforeNanos: number;
  afterNanos: number;
}

export interface BudgetLine {
  budget: string;
  scope: string;
  window: string;
  unit: 'usd' | 'tokens';
  limit: number;
  /** Spent in the window by the end of the replay (nano-dollars or tokens): what its calls settled. */
  used: number;
  /** When the first call was refused: the budget ran out (epoch ms), or null. */
  exhaustedAt: number | null;
  blockedCalls: number;
}

/** What a paced budget's day allowance did (policy/pacing.ts): calls refused or served by the pacing model. */
export interface PacingLine {
  budget: string;
  scope: string;
  action: 'alert' | 'downgrade' | 'block';
  blockedCalls: number;
  downgradedCalls: number;
  /** Local days on which pacing refused or downgraded at least one call. */
  days: number;
}

export interface ReplayReport {
  from: number | null;
  to: number | null;
  calls: { total: number; replayed: number; fallbackAttempts: number; notPolicyCalls: number };
  spend: { beforeNanos: number; afterNanos: number; byTeam: SpendLine[]; byModel: SpendLine[] };
  blocked: { budget: number; rate: number; guard: number; route: number; liveCostNanos: number; first: { id: string; at: number; team: string; by: CallOutcome['blockedBy'] }[] };
  budgets: BudgetLine[];
  pacing: { blockedCalls: number; downgradedCalls: number; budgets: PacingLine[] };
  runs: GuardStop[];
  savings: { routingNanos: number; routedCalls: number; downgradeNanos: number; downgradedCalls: number; cacheNanos: number; cachedCalls: number };
  /** Calls for which a policy had to work from less than the live gateway saw. */
  notEvaluated: { guardNoDigest: number; guardNoOutputDigest: number; routingNoFeatures: number; budgetsNoFeatures: number; costUnknown: number; unpriced: number };
  outcomes?: CallOutcome[];
}

const BLOCKED_LISTED = 1000;

function add(m: Map<string, SpendLine>, group: string, before: number, after: number): void {
  let l = m.get(group);
  if (!l) m.set(group, (l = { group, calls: 0, beforeNanos: 0, afterNanos: 0 }));
  l.calls++;
  l.beforeNanos += before;
  l.afterNanos += after;
}

const byCost = (a: SpendLine, b: SpendLine): number => b.beforeNanos - a.beforeNanos || b.afterNanos - a.afterNanos || (a.group < b.group ? -1 : 1);

export class Tally {
  from: number | null = null;
  to: number | null = null;
  private total = 0;
  private replayed = 0;
  private attempts = 0;
  private notPolicy = 0;
  private before = 0;
  private after = 0;
  private readonly teams = new Map<string, SpendLine>();
  private readonly modelsBefore = new Map<string, SpendLine>();
  private readonly modelsAfter = new Map<string, SpendLine>();
  private readonly blocked = { budget: 0, rate: 0, guard: 0, route: 0, liveCostNanos: 0, first: [] as ReplayReport['blocked']['first'] };
  private readonly budgetLines = new Map<string, BudgetLine>();
  private readonly savings = { routingNanos: 0, routedCalls: 0, downgradeNanos: 0, downgradedCalls: 0, cacheNanos: 0, cachedCalls: 0 };
  private readonly notEvaluated = { guardNoDigest: 0, guardNoOutputDigest: 0, routingNoFeatures: 0, budgetsNoFeatures: 0, costUnknown: 0, unpriced: 0 };
  private readonly outcomes: CallOutcome[] | null;
  private readonly pacing = new Map<string, PacingLine & { lastDay: string }>();
  private readonly pacingTotals = { blockedCalls: 0, downgradedCalls: 0 };

  constructor(private readonly p: ReplayPolicy, keepOutcomes: boolean) {
    this.outcomes = keepOutcomes ? [] : null;
  }

  /** A row that is not replayed: its live cost stands. */
  skipped(row: CallRow): void {
    this.total++;
    if (row.attemptOf !== null) this.attempts++;
    else this.notPolicy++;
    this.before += row.costNanos;
    this.after += row.costNanos;
    add(this.teams, row.team, row.costNanos, row.costNanos);
    if (this.outcomes) this.outcomes.push({ id: row.id, outcome: 'skipped', blockedBy: null, model: row.servedModel, route: row.route, clampedTo: null, costNanos: row.costNanos });
  }

  budgetBlocked(l: PlannedLimit, at: number): void {
    if (!l.budget) return;
    if (l.kind === 'budget_pace') return this.paced(l, true);
    const line = this.line(l);
    line.blockedCalls++;
    if (line.exhaustedAt === null) line.exhaustedAt = at;
  }

  /** A call refused by, or served by the pacing model of, a paced budget's day counter. */
  private paced(l: PlannedLimit, blocked: boolean): void {
    const id = `${l.budget!.id}|${l.scope}`;
    let line = this.pacing.get(id);
    if (!line) this.pacing.set(id, (line = { budget: l.budget!.id, scope: l.scope, action: l.budget!.pace!.action, blockedCalls: 0, downgradedCalls: 0, days: 0, lastDay: '' }));
    if (blocked) {
      line.blockedCalls++;
      this.pacingTotals.blockedCalls++;
    } else {
      line.downgradedCalls++;
      this.pacingTotals.downgradedCalls++;
    }
    if (line.lastDay !== l.window.key) {
      line.lastDay = l.window.key;
      line.days++;
    }
  }

  private line(l: PlannedLimit): BudgetLine {
    let line = this.budgetLines.get(l.key);
    if (!line) {
      line = { budget: l.budget!.id, scope: l.scope, window: l.window.key, unit: l.kind === 'budget_tokens' ? 'tokens' : 'usd', limit: l.limit, used: 0, exhaustedAt: null, blockedCalls: 0 };
      this.budgetLines.set(l.key, line);
    }
    return line;
  }

  call(c: Pending, cost: number): void {
    const x = c.x;
    const r = x.row;
    this.total++;
    this.replayed++;
    this.before += r.costNanos;
    this.after += cost;
    add(this.teams, r.team, r.costNanos, cost);
    add(this.modelsBefore, r.servedModel ?? x.requested, r.costNanos, 0);
    add(this.modelsAfter, c.model ?? x.requested, 0, cost);
    // The line keeps its own spend, what settle committed to its counter: the counter store forgets
    // expired counters, so reading the counter back at the end could find it gone.
    if (c.limits.length > 0) {
      const settled = { costNanos: cost, tokens: x.refusedLive ? 0 : totalTokens(x.usage) };
      for (const l of c.limits) if (l.budget && l.kind !== 'budget_pace') this.line(l).used += actualFor(l, settled);
    }
    if (c.pacedDowngrade) {
      const id = c.label!.slice('downgrade:'.length);
      const l = c.limits.find((p) => p.kind === 'budget_pace' && p.budget!.id === id);
      if (l) this.paced(l, false);
    }
    const g = this.p.guard.enabled;
    if (g && !x.request) this.notEvaluated.guardNoDigest++;
    if (g && !c.blocked && !x.output && (c.cached || r.status === 'ok' || x.refusedLive)) this.notEvaluated.guardNoOutputDigest++;
    if (!x.hasFeatures && this.p.routes.length > 0) this.notEvaluated.routingNoFeatures++;
    if (!x.hasFeatures) this.notEvaluated.budgetsNoFeatures++;
    if (!c.blocked && x.refusedLive) this.notEvaluated.costUnknown++;
    if (!c.blocked && c.model !== null && !c.cached && !this.p.rates.get(c.model)) this.notEvaluated.unpriced++;
    if (c.blocked) {
      this.blocked[c.blocked.kind]++;
      this.blocked.liveCostNanos += r.costNanos;
      if (this.blocked.first.length < BLOCKED_LISTED) this.blocked.first.push({ id: r.id, at: r.startedAt, team: r.team, by: c.blocked });
    } else if (c.cached) {
      this.savings.cachedCalls++;
      this.savings.cacheNanos += requestedCost(this.p, x);
    } else if (c.label !== null && c.label.startsWith('rule:')) {
      this.savings.routedCalls++;
      this.savings.routingNanos += requestedCost(this.p, x) - cost;
    } else if (c.label !== null && c.label.startsWith('downgrade:')) {
      this.savings.downgradedCalls++;
      this.savings.downgradeNanos += requestedCost(this.p, x) - cost;
    }
    if (this.outcomes) {
      this.outcomes.push({
        id: r.id,
        outcome: c.blocked ? 'blocked' : c.cached ? 'cached' : 'served',
        blockedBy: c.blocked,
        model: c.model,
        route: c.blocked ? null : c.label,
        clampedTo: c.clampedTo,
        costNanos: cost,
      });
    }
    if (this.from === null || r.startedAt < this.from) this.from = r.startedAt;
    if (this.to === null || r.endedAt > this.to) this.to = r.endedAt;
  }

  report(stops: readonly GuardStop[]): ReplayReport {
    const budgets: BudgetLine[] = [...this.budgetLines.values()]
      .sort((a, b) => (a.exhaustedAt ?? Infinity) - (b.exhaustedAt ?? Infinity) || (a.budget < b.budget ? -1 : a.budget > b.budget ? 1 : a.scope < b.scope ? -1 : 1));
    const models = new Map<string, SpendLine>();
    for (const [k, v] of this.modelsBefore) models.set(k, { ...v, calls: 0 });
    for (const [k, v] of this.modelsAfter) {
      const m = models.get(k) ?? { group: k, calls: 0, beforeNanos: 0, afterNanos: 0 };
      m.calls += v.calls;
      m.afterNanos += v.afterNanos;
      models.set(k, m);
    }
    return {
      from: this.from,
      to: this.to,
      calls: { total: this.total, replayed: this.replayed, fallbackAttempts: this.attempts, notPolicyCalls: this.notPolicy },
      spend: { beforeNanos: this.before, afterNanos: this.after, byTeam: [...this.teams.values()].sort(byCost), byModel: [...models.values()].sort(byCost) },
      blocked: this.blocked,
      budgets,
      pacing: { ...this.pacingTotals, budgets: [...this.pacing.values()].map(({ lastDay: _, ...l }) => l).sort((a, b) => b.blockedCalls + b.downgradedCalls - (a.blockedCalls + a.downgradedCalls) || (a.budget < b.budget ? -1 : 1)) },
      runs: [...stops].sort((a, b) => a.at - b.at || (a.run < b.run ? -1 : a.run > b.run ? 1 : a.team < b.team ? -1 : 1)),
      savings: this.savings,
      notEvaluated: this.notEvaluated,
      ...(this.outcomes ? { outcomes: this.outcomes } : {}),
    };
  }
}
