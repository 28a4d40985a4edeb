/**
 * Which budgets and rate limits apply to a call, and what it must reserve on each. Pure: the budget
 * list, the call's attribution, its worst-case cost and the clock are passed in. The live gateway and
 * replay both plan with this.
 */
import type { BudgetRecord } from '../storage/types.js';
import type { RateLimitConfig } from '../config/schema.js';
import { periodWindow, type PeriodWindow } from './period.js';
import { plannedPace } from './pacing.js';

export interface CallScopes {
  org: string;
  team: string;
  user: string | null;
  project: string | null;
  keyId: string;
  tags: string[];
  run: string | null;
  /** Exempt from default budgets and default rate limits. */
  unlimited: boolean;
}

/** `budget_pace`: a paced budget's counter for today (policy/pacing.ts). */
export type LimitKind = 'budget_usd' | 'budget_tokens' | 'budget_pace' | 'rpm' | 'tpm' | 'concurrent';

export interface PlannedLimit {
  kind: LimitKind;
  /** The concrete scope ("key:abc" for a key:* budget). */
  scope: string;
  budget: BudgetRecord | null;
  window: PeriodWindow;
  key: string;
  limit: number;
  amount: number;
  ttlSeconds: number;
  /** Only on budget_pace: the period's counter and days left; `allowance` is filled by the limiter. */
  pace?: { periodCounterKey: string; daysLeft: number; allowance: number | null };
  /** Only on a run's limits: the run's team, counted apart (see counterScope), so seeding matches it too. */
  team?: string;
}

export interface CallDemand {
  /** Worst-case cost in nano-dollars. */
  worstNanos: number;
  /** Worst-case tokens (prompt bound + max output). */
  worstTokens: number;
}

/** "org", "team:x", ... and each tag; in the order budgets are reported. */
export function scopesOf(c: CallScopes): string[] {
  const out = ['org', `team:${c.team}`];
  if (c.user) out.push(`user:${c.user}`);
  if (c.project) out.push(`project:${c.project}`);
  out.push(`key:${c.keyId}`);
  for (const t of c.tags) out.push(`tag:${t}`);
  if (c.run) out.push(`run:${c.run}`);
  return out;
}

/**
 * The scope a counter is keyed on. A run is its team and its id (two teams may send the same run id,
 * see storage/run-types.ts), so a `run:R` or `run:*` budget or rate limit counts each team's run R
 * apart, against the same limit: one team's run cannot spend another's run budget. Every other scope
 * is its own counter scope. The team is URI-encoded, so no two (team, run) pairs share a key.
 */
export function counterScope(scope: string, team: string): string {
  return scope.startsWith('run:') ? `run:${encodeURIComponent(team)}/${scope.slice(4)}` : scope;
}

/** Whether a budget has one counter: not a wildcard (one per key, tag...), not a run's (one per team). */
export function hasOneCounter(scope: string): boolean {
  return !scope.endsWith(':*') && !scope.startsWith('run:');
}

/**
 * The counter of a budget on a (counter) scope in a period window, as planLimits names it. The budget's
 * creation time is part of it: a budget deleted and created again in the same period is a new counter,
 * filled from the ledger (which holds what was spent while there was none), not the old one's count.
 * Editing a budget keeps its creation time, and so its counter.
 */
export function budgetCounterKey(budget: Pick<BudgetRecord, 'id' | 'createdAt'>, scope: string, windowKey: string): string {
  return `b:${budget.id}@${budget.createdAt}:${scope}:${windowKey}`;
}

function wildcardOf(scope: string): string | null {
  const i = scope.indexOf(':');
  return i < 0 ? null : `${scope.slice(0, i)}:*`;
}

const MINUTE = 60_000;
const TEN_YEARS_S = 10 * 365 * 86_400;
const ttlFor = (w: PeriodWindow, now: number): number =>
  w.end === Infinity ? TEN_YEARS_S : Math.ceil((w.end - now) / 1000) + 86_400; // a day of slack for late commits

/** The USD counter of a budget with one counter, as planLimits plans it for a call: to seed or read it outside one. */
export function budgetUsdLimit(b: BudgetRecord, timezone: string, now: number): PlannedLimit {
  const window = periodWindow(b.period, timezone, now);
  return { kind: 'budget_usd', scope: b.scope, budget: b, window, key: budgetCounterKey(b, b.scope, window.key), limit: b.limitNanos, amount: 0, ttlSeconds: ttlFor(window, now) };
}

/** The token counter of a budget with one counter and a `limit_tokens`, as planLimits plans it; null without a token limit. */
export function budgetTokensLimit(b: BudgetRecord, timezone: string, now: number): PlannedLimit | null {
  if (b.limitTokens === null) return null;
  const window = periodWindow(b.period, timezone, now);
  return { kind: 'budget_tokens', scope: b.scope, budget: b, window, key: tokensCounterKey(budgetCounterKey(b, b.scope, window.key)), limit: b.limitTokens, amount: 0, ttlSeconds: ttlFor(window, now) };
}

/** A budget's token counter beside its USD counter `usdKey`. */
const tokensCounterKey = (usdKey: string): string => `${usdKey}:tok`;

export interface PlanInput {
  scopes: CallScopes;
  budgetsByScope: ReadonlyMap<string, readonly BudgetRecord[]>;
  rateLimitsByScope: ReadonlyMap<string, readonly RateLimitConfig[]>;
  /** Applied as key:* unless the key is unlimited. */
  defaultRateLimit: Omit<RateLimitConfig, 'scope'> | null;
  demand: CallDemand;
  timezone: string;
  now: number;
}

export function planLimits(p: PlanInput): PlannedLimit[] {
  const out: PlannedLimit[] = [];
  const { now } = p;
  for (const scope of scopesOf(p.scopes)) {
    const wild = wildcardOf(scope);
    const counted = counterScope(scope, p.scopes.team);
    const runTeam = counted === scope ? undefined : p.scopes.team;
    const first = out.length;
    const budgets = [...(p.budgetsByScope.get(scope) ?? []), ...(wild ? (p.budgetsByScope.get(wild) ?? []) : [])];
    for (const b of budgets) {
      if (b.source === 'default' && p.scopes.unlimited) continue;
      const window = periodWindow(b.period, p.timezone, now);
      // The budget's own id is part of the key: a key:* budget and an explicit key:<id> budget on the
      // same scope count separately, each against its own limit.
      const base = budgetCounterKey(b, counted, window.key);
      out.push({ kind: 'budget_usd', scope, budget: b, window, key: base, limit: b.limitNanos, amount: p.demand.worstNanos, ttlSeconds: ttlFor(window, now) });
      if (b.limitTokens !== null) {
        out.push({ kind: 'budget_tokens', scope, budget: b, window, key: tokensCounterKey(base), limit: b.limitTokens, amount: p.demand.worstTokens, ttlSeconds: ttlFor(window, now) });
      }
      if (b.pace && window.end !== Infinity) out.push(plannedPace({ budget: b, scope, periodCounterKey: base, period: window, timezone: p.timezone, now, worstNanos: p.demand.worstNanos }));
    }
    const limits = [...(p.rateLimitsByScope.get(scope) ?? []), ...(wild ? (p.rateLimitsByScope.get(wild) ?? []) : [])];
    if (scope.startsWith('key:') && p.defaultRateLimit && !p.scopes.unlimited && limits.length === 0) {
      limits.push({ scope: 'key:*', ...p.defaultRateLimit });
    }
    const rates = out.length;
    for (const rl of limits) {
      const minute = { key: String(Math.floor(now / MINUTE)), start: Math.floor(now / MINUTE) * MINUTE, end: (Math.floor(now / MINUTE) + 1) * MINUTE };
      if (rl.rpm) pushRate(out, rates, { kind: 'rpm', scope, budget: null, window: minute, key: `r:${counted}:rpm:${minute.key}`, limit: rl.rpm, amount: 1, ttlSeconds: 120 });
      if (rl.tpm) pushRate(out, rates, { kind: 'tpm', scope, budget: null, window: minute, key: `r:${counted}:tpm:${minute.key}`, limit: rl.tpm, amount: p.demand.worstTokens, ttlSeconds: 120 });
      if (rl.concurrent) {
        pushRate(out, rates, { kind: 'concurrent', scope, budget: null, window: { key: 'now', start: now, end: now }, key: `r:${counted}:conc`, limit: rl.concurrent, amount: 1, ttlSeconds: 86_400 });
      }
    }
    if (runTeam !== undefined) for (let i = first; i < out.length; i++) out[i]!.team = runTeam;
  }
  return out;
}

/**
 * A rate limit on `key:*` and one on `key:<id>` count on the same counter: one entry, the tighter
 * limit (two entries would count each request twice, halving the limit).
 */
function pushRate(out: PlannedLimit[], from: number, l: PlannedLimit): void {
  for (let i = from; i < out.length; i++) {
    const o = out[i]!;
    if (o.key === l.key) {
      if (l.limit < o.limit) o.limit = l.limit;
      return;
    }
  }
  out.push(l);
}

/** A budget's counter (filled from the ledger), not a rate limit's. */
export const isBudget = (l: PlannedLimit): boolean => l.kind !== 'rpm' && l.kind !== 'tpm' && l.kind !== 'concurrent';

/** What each planned limit counts once the call is over. */
export function actualFor(l: PlannedLimit, actual: { costNanos: number; tokens: number }): number {
  switch (l.kind) {
    case 'budget_usd':
    case 'budget_pace':
      return actual.costNanos;
    case 'budget_tokens':
    case 'tpm':
      return actual.tokens;
    case 'rpm':
      return 1;
    case 'concurrent':
      return 0;
  }
}

/**
 * Clamp: the largest output (tokens, all choices) that fits what remains on every budget, or null
 * when even the minimum does not fit or a refusing budget does not allow clamping. On a USD counter
 * the prompt's worst cost and the output's rate decide; on a token counter (`limit_tokens`) the
 * prompt bound and the output together must fit what remains.
 */
export function clampOutput(input: {
  limits: PlannedLimit[];
  before: { used: number; reserved: number }[];
  inputWorstNanos: number;
  outputNanosPerToken: number;
  /** The prompt bound (tokens) the call reserves on token counters beside its output. */
  promptTokens: number;
  minTokens: number;
  requested: number;
}): number | null {
  let maxTokens = input.requested;
  for (let i = 0; i < input.limits.length; i++) {
    const l = input.limits[i]!;
    const s = input.before[i]!;
    if (l.kind !== 'budget_usd' && l.kind !== 'budget_tokens') {
      if (s.used + s.reserved + l.amount > l.limit) return null;
      continue;
    }
    const remaining = l.limit - s.used - s.reserved;
    if (remaining >= l.amount) continue;
    if (!l.budget?.clamp) return null;
    const fits =
      l.kind === 'budget_usd'
        ? Math.floor((remaining - input.inputWorstNanos) / Math.max(input.outputNanosPerToken, 1e-9))
        : remaining - input.promptTokens;
    maxTokens = Math.min(maxTokens, fits);
  }
  return maxTokens >= input.minTokens ? maxTokens : null;
}

/** The downgrade target of the first budget whose utilisation (before this call) passed its threshold. */
export function downgradeTarget(limits: PlannedLimit[], before: { used: number; reserved: number }[]): { model: string; budget: BudgetRecord } | null {
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i]!;
    const d = l.budget?.downgrade;
    if (l.kind !== 'budget_usd' || !d || l.limit <= 0) continue;
    const s = before[i]!;
    if (((s.used + s.reserved) * 100) / l.limit >= d.atPct) return { model: d.model, budget: l.budget! };
  }
  return null;
}

const NONE: readonly number[] = Object.freeze([]);

/** Thresholds (percent) now reached on a budget counter (checked after every call: none allocates nothing). */
export function reachedThresholds(l: PlannedLimit, usedAfter: number): readonly number[] {
  if (l.kind !== 'budget_usd' || !l.budget || l.limit <= 0) return NONE;
  const at = l.budget.alertAt;
  for (let i = 0; i < at.length; i++) if (usedAfter * 100 >= at[i]! * l.limit) return at.filter((pct) => usedAfter * 100 >= pct * l.limit);
  return NONE;
}
